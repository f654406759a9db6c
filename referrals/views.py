"""Pages of the referral tracker: referrer, provider inbox, school, family.

Adapters only: parse the request, call one selector or service, render. Every
page that shows a referral's personal data logs the read (access log). Another
organisation's referral is "not found" (404), never "forbidden".
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ijw import experience
from referrals import identifiers, notifications, selectors, services
from referrals import permissions as perms
from referrals import workflow as wf
from referrals.forms import (
    AccessLogFilterForm,
    EventForm,
    FamilyStatusForm,
    ReferralForm,
    apply_errors,
)
from registry.models import Capacity, Service
from sociale_kaart.site import site_url

PAGE_SIZE = 50
# The next step along the main flow first; the side exits (wait, decline) after.
STEP_ORDER = (
    wf.RECEIVED,
    wf.FIRST_CONTACT,
    wf.INTAKE,
    wf.STARTED,
    wf.ENDED,
    wf.WAITLISTED,
    wf.DECLINED,
)
SIDE_STEPS = frozenset({wf.WAITLISTED, wf.DECLINED})


def _referrer_referral(request, reference):
    """Pages only the referring organisation sees (family code, slip)."""
    referral = selectors.referral_get(actor=request.user, reference=reference)
    if perms.referral_view(request.user, referral) != perms.REFERRER:
        raise Http404
    return referral


# --- referrer: refer ----------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def referral_create(request, service_pk: int):
    service = get_object_or_404(
        Service.objects.select_related("organisation", "perceel", "capacity"),
        pk=service_pk,
        active=True,
    )
    if not perms.can_refer(request.user):
        raise PermissionDenied(_("Alleen verwijzers kunnen verwijzen."))
    own = perms.scope(request.user).referrer_organisations
    form = ReferralForm(request.POST or None, referrer_organisations=own)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(
                actor=request.user,
                service=service,
                data=form.cleaned_data,
                allow_duplicate=bool(form.cleaned_data.get("confirm_duplicate")),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except services.DuplicateReferral as exc:
            duplicates = exc.found
            services.access_log_record_many(
                actor=request.user, referrals=duplicates, purpose="duplicate_warning"
            )
        else:
            return redirect("referrals:referral-created", referral.reference)
    capacity = getattr(service, "capacity", None)
    context = {
        "service": service,
        "form": form,
        "duplicates": duplicates,
        "closed": capacity is not None and capacity.status == Capacity.Status.CLOSED,
        "alternatives_url": services.alternatives_url(service),
    }
    return render(request, "referrals/referral_form.html", context)


@never_cache
@login_required
def referral_created(request, reference: str):
    referral = _referrer_referral(request, reference)
    services.access_log_record(actor=request.user, referral=referral, purpose="created")
    return render(
        request,
        "referrals/referral_created.html",
        {
            "referral": referral,
            "family_code": identifiers.format_family_code(referral.family_code),
        },
    )


@never_cache
@login_required
def referral_slip(request, reference: str):
    referral = _referrer_referral(request, reference)
    services.access_log_record(actor=request.user, referral=referral, purpose="slip")
    return render(
        request,
        "referrals/referral_slip.html",
        {
            "referral": referral,
            "family_code": identifiers.format_family_code(referral.family_code),
            "status_page_url": site_url(request) + reverse("referrals:status"),
            "norms": selectors.norms(referral.urgency),
        },
    )


# --- timeline and steps -------------------------------------------------------


def _event_forms(actor, referral, derived, failed: EventForm | None) -> list:
    """(form, is_side_step) for each step this actor may record next."""
    steps = wf.allowed_events(derived) & perms.recordable_events(actor, referral)
    steps -= wf.REFERRER_EVENTS  # withdrawing has its own button
    return [
        (
            failed if failed and failed.event_type == t else EventForm(event_type=t),
            t in SIDE_STEPS,
        )
        for t in STEP_ORDER
        if t in steps
    ]


def _detail_context(request, referral, failed: EventForm | None = None) -> dict:
    view = perms.referral_view(request.user, referral)
    events = selectors.referral_events(referral)
    derived = wf.derive(e.as_workflow_event() for e in events)
    allowed = wf.allowed_events(derived)
    context = {
        "referral": referral,
        "view": view,
        "events": events,
        "timing": selectors.referral_timing(referral),
        "event_forms": _event_forms(request.user, referral, derived, failed),
        "can_withdraw": wf.WITHDRAWN in allowed
        and perms.can_record_event(request.user, referral, wf.WITHDRAWN),
        "today": timezone.localdate(),
        "failed": failed,
    }
    if view == perms.REFERRER:
        context["family_code"] = identifiers.format_family_code(referral.family_code)
        if referral.status == wf.DECLINED:
            found = selectors.service_alternatives(perceel_ids={referral.perceel_id})
            context["alternatives"] = selectors.alternatives_for(referral, found)
    return context


def _render_detail(request, referral, failed=None, status=200):
    context = _detail_context(request, referral, failed)
    view = context["view"]
    template = (
        "referrals/referral_detail_school.html"
        if view == perms.SCHOOL
        else "referrals/referral_detail.html"
    )
    services.access_log_record(
        actor=request.user, referral=referral, purpose=f"detail_{view}"
    )
    services.referral_mark_opened(actor=request.user, referral=referral)
    return render(request, template, context, status=status)


@never_cache
@login_required
def referral_detail(request, reference: str):
    referral = selectors.referral_get(actor=request.user, reference=reference)
    return _render_detail(request, referral)


@login_required
@require_POST
def referral_event_create(request, reference: str):
    referral = selectors.referral_get(actor=request.user, reference=reference)
    event_type = request.POST.get("type", "")
    if event_type not in wf.EVENT_TYPES:
        messages.error(request, _("Kies een geldige stap."))
        return redirect(referral)
    form = EventForm(request.POST, event_type=event_type)
    if form.is_valid():
        try:
            services.referral_event_record(
                referral=referral,
                type=event_type,
                occurred_on=form.cleaned_data["occurred_on"],
                actor=request.user,
                note=form.cleaned_data["note"],
                **form.type_fields(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            label = wf.STATUS_LABELS[event_type]
            messages.success(request, _("Vastgelegd: %(step)s.") % {"step": label})
            return redirect(referral)
    return _render_detail(request, referral, failed=form, status=400)


# --- lists --------------------------------------------------------------------


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@never_cache
@login_required
def inbox(request):
    show_all = request.GET.get("filter") == "all"
    page = _page(
        request, selectors.referral_inbox(actor=request.user, open_only=not show_all)
    )
    referrals = list(page.object_list)
    services.access_log_record_many(
        actor=request.user, referrals=referrals, purpose="inbox"
    )
    today = timezone.localdate()
    table = selectors.norms_table()
    context = {
        "page": page,
        "rows": [
            (r, selectors.referral_timing(r, today=today, table=table))
            for r in referrals
        ],
        "show_all": show_all,
        "is_provider": perms.scope(request.user).is_provider,
        "own_ids": perms.scope(request.user).member_ids,
    }
    return render(request, "referrals/inbox.html", context)


def _list_rows(actor, referrals, today):
    declined = {r.perceel_id for r in referrals if r.status == wf.DECLINED}
    table = selectors.norms_table()
    per_perceel = {}
    if declined:
        per_perceel = selectors.service_alternatives(perceel_ids=declined)
    return [
        {
            "referral": r,
            "view": perms.referral_view(actor, r),
            "timing": selectors.referral_timing(r, today=today, table=table),
            "alternatives": selectors.alternatives_for(r, per_perceel)
            if r.status == wf.DECLINED
            else [],
        }
        for r in referrals
    ]


@never_cache
@login_required
def referral_list(request):
    open_only = request.GET.get("filter") == "open"
    page = _page(
        request,
        selectors.referral_list_for_referrer(actor=request.user, open_only=open_only),
    )
    referrals = list(page.object_list)
    rows = _list_rows(request.user, referrals, timezone.localdate())
    services.access_log_record_many(
        actor=request.user,
        referrals=[row["referral"] for row in rows if row["view"] == perms.REFERRER],
        purpose="list",
    )
    own = perms.scope(request.user)
    context = {
        "page": page,
        "rows": rows,
        "open_only": open_only,
        "notices": list(selectors.notification_unread_for(actor=request.user)[:10]),
        "is_referrer": bool(own.referrer_ids),
        "is_school": bool(own.school_ids),
    }
    return render(request, "referrals/referral_list.html", context)


@login_required
@require_POST
def notification_read(request, pk: int):
    notifications.notification_mark_read(actor=request.user, notification_id=pk)
    return redirect("referrals:referral-list")


@never_cache
@login_required
def access_log(request):
    form = AccessLogFilterForm(request.GET or None)
    reference = form.cleaned_data["reference"] if form.is_valid() else ""
    entries = selectors.access_log_list(actor=request.user, reference=reference)
    return render(
        request,
        "referrals/access_log.html",
        {
            "form": form,
            "page": _page(request, entries),
            "reference": reference,
            "query": urlencode({"reference": reference}) if reference else "",
        },
    )


# --- family -------------------------------------------------------------------


def client_address(request) -> str:
    """The client's address for throttling. Behind CLIENT_IP_PROXY_COUNT trusted
    proxies it is that many entries from the right of X-Forwarded-For (entries
    further left are client-supplied and could be forged)."""
    count = settings.CLIENT_IP_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if count and len(hops) >= count:
        return hops[-count]
    return request.META.get("REMOTE_ADDR", "")


@never_cache
@require_http_methods(["GET", "POST"])
def family_status(request):
    form = FamilyStatusForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "referrals/family_status.html", {"form": form})
    try:
        referral = services.family_status_check(
            family_code=form.cleaned_data["family_code"],
            birth_date=form.cleaned_data["birth_date"],
            client_address=client_address(request),
        )
    except services.TooManyAttempts:
        context = {
            "form": FamilyStatusForm(),
            "throttled": True,
            "window": settings.FAMILY_STATUS_WINDOW_MINUTES,
        }
        return render(request, "referrals/family_status.html", context, status=429)
    if referral is None:
        # One answer for an unknown code and a wrong date of birth; the form is
        # shown empty so the page does not depend on what was typed.
        context = {"form": FamilyStatusForm(), "not_found": True}
        return render(request, "referrals/family_status.html", context)
    context = {
        "referral": referral,
        "timing": selectors.referral_timing(referral),
        "norms": selectors.norms(referral.urgency),
        # Help ended: the family may say how it was (ijw.experience).
        "experience_url": experience.family_experience_url(referral),
    }
    return render(request, "referrals/family_status_result.html", context)
