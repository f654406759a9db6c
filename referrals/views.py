"""Pages of the referral tracker: referrer, provider inbox, school, family.

Adapters only: parse the request, call one selector or service, render. Every
page that shows a referral's personal data logs the read (access log). Another
organisation's referral is "not found" (404), never "forbidden".
"""

import hashlib
from collections import OrderedDict
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ijw import experience
from referrals import codes, identifiers, keyset, notifications, selectors, services
from referrals import permissions as perms
from referrals import workflow as wf
from referrals.forms import (
    INBOX_SORTS,
    LIST_SORTS,
    AccessLogFilterForm,
    EventForm,
    FamilyStatusForm,
    ReferralForm,
    WorkingListForm,
    apply_errors,
)
from referrals.rows import RowTexts, inbox_rows_html, list_rows_html
from registry.models import Capacity, Service
from sociale_kaart import csvsafe
from sociale_kaart.clients import client_address
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
# Steps that are hard to undo get a confirmation page first.
CONFIRM_STEPS = frozenset({wf.STARTED, wf.ENDED, wf.WITHDRAWN})


def _referrer_referral(request, reference):
    """Pages only the referring organisation sees (family code, slip)."""
    referral = selectors.referral_get(actor=request.user, reference=reference)
    if perms.referral_view(request.user, referral) != perms.REFERRER:
        raise Http404
    return referral


# --- referrer: refer ----------------------------------------------------------


def _previous(request):
    """The declined or ended referral this one follows ("Verwijs hierheen"),
    only if the actor's organisation made it; else 404."""
    reference = request.POST.get("previous_referral") or request.GET.get("vorige")
    if not reference:
        return None
    previous = selectors.referral_get(actor=request.user, reference=reference)
    if perms.referral_view(request.user, previous) != perms.REFERRER:
        raise Http404
    return previous


PREFILL_FIELDS = (
    "child_initials",
    "child_birth_date",
    "help_question",
    "urgency",
    "consent_by",
    "consent_date",
    "parent_name",
    "parent_phone",
    "parent_email",
    "follower_school",
    "school_consent",
    "referrer_role",
)


def _prefill(actor, previous) -> dict:
    """Everything the referrer typed last time (nothing retyped); logged."""
    services.access_log_record(actor=actor, referral=previous, purpose="prefill")
    initial = {name: getattr(previous, name) for name in PREFILL_FIELDS}
    initial["follower_school"] = previous.follower_school_id
    initial["previous_referral"] = previous.reference
    return initial


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
    previous = _previous(request)
    form = ReferralForm(
        request.POST or None,
        referrer_organisations=own,
        initial=_prefill(request.user, previous) if previous else None,
    )
    duplicates = []
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(
                actor=request.user,
                service=service,
                data={**form.cleaned_data, "previous_referral": previous},
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
        "previous": previous,
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


# JZ588 reasons for help that ended before its plan was done.
ENDED_EARLY = frozenset({"32", "33", "34", "35", "38"})


def _needs_another_place(referral, events) -> bool:
    """Declined, or help ended early: the referrer is offered alternatives."""
    if referral.status == wf.DECLINED:
        return True
    ended = [e for e in events if e.type == wf.ENDED and e.retracted_at is None]
    return (
        referral.status == wf.ENDED
        and bool(ended)
        and (ended[-1].end_reason in ENDED_EARLY)
    )


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
        "retractable": services.retractable_event(request.user, referral, events),
    }
    if view == perms.REFERRER:
        context["family_code"] = identifiers.format_family_code(referral.family_code)
        if _needs_another_place(referral, events):
            context["alternatives"] = selectors.alternatives_fitting(referral)
        chain = selectors.referral_chain(referral)
        if len(chain.referrals) > 1:
            context["chain"] = chain
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


def _confirm_step(request, referral, form):
    """The server-rendered "are you sure" page for a step that is hard to undo
    (help started, ended, withdrawn): it repeats what will be recorded and posts
    the same data again with ``confirmed``."""
    hidden = [
        (name, value)
        for name, value in request.POST.items()
        if name not in ("csrfmiddlewaretoken", "confirmed")
    ]
    context = {
        "referral": referral,
        "form": form,
        "label": wf.STATUS_LABELS[form.event_type],
        "hidden": hidden,
        "event_type": form.event_type,
    }
    return render(request, "referrals/confirm_step.html", context)


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
            if event_type in CONFIRM_STEPS and request.POST.get("confirmed") != "1":
                services.referral_event_check(
                    referral=referral,
                    type=event_type,
                    occurred_on=form.cleaned_data["occurred_on"],
                    actor=request.user,
                    note=form.cleaned_data["note"],
                    **form.type_fields(),
                )
                return _confirm_step(request, referral, form)
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


@login_required
@require_POST
def referral_event_retract(request, reference: str, event_id: int):
    """Mark the provider's latest step as recorded in error (with a reason)."""
    referral = selectors.referral_get(actor=request.user, reference=reference)
    try:
        event = services.referral_event_retract(
            referral=referral,
            event_id=event_id,
            actor=request.user,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
        return redirect(referral)
    messages.success(
        request,
        _("Gemarkeerd als fout: %(step)s. De status is opnieuw bepaald.")
        % {"step": wf.STATUS_LABELS[event.type]},
    )
    return redirect(referral)


# --- lists --------------------------------------------------------------------


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _seek_page(request, queryset, parts=None) -> keyset.KeysetPage:
    """A working list's page: its own rows only, whatever the history."""
    return keyset.keyset_page(queryset, request.GET.get("page"), PAGE_SIZE, parts)


CSV_MAX_ROWS = 5000


def _csv_response(actor, referrals, filename: str, table) -> HttpResponse:
    """The working list as CSV (all filtered rows up to CSV_MAX_ROWS); a school
    gets "jeugdhulp" instead of the service. The read is logged."""
    rows = list(referrals[:CSV_MAX_ROWS])
    services.access_log_record_many(actor=actor, referrals=rows, purpose="csv")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csvsafe.writer(response)
    writer.writerow(
        ["referentie", "verwezen_op", "status", "urgentie", "aanbod", "initialen",
         "dagen_wachten", "volgende_norm"]
    )  # fmt: skip
    today = timezone.localdate()
    for r in rows:
        timing = selectors.referral_timing(r, today=today, table=table)
        school = perms.referral_view(actor, r) == perms.SCHOOL
        deadline = timing.next_deadline
        values = [
            r.reference,
            r.referred_on.isoformat(),
            r.get_status_display(),
            r.get_urgency_display(),
            _("Jeugdhulp (%(perceel)s)") % {"perceel": r.perceel.name}
            if school
            else r.service.name,
            r.child_initials,
            timing.days_waiting,
            f"{deadline.label} {deadline.due_on.isoformat()}" if deadline else "",
        ]
        writer.writerow(values)
    return response


def _list_query(request) -> str:
    """The list's GET parameters without the page (for pagination links)."""
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("formaat", None)
    return params.urlencode()


def _list_link(request, **changes) -> str:
    """This list's link with ``changes`` to its parameters (None drops one),
    back to page 1: search, filters and sort are kept."""
    params = request.GET.copy()
    for name in ("page", "formaat", *changes):
        params.pop(name, None)
    for name, value in changes.items():
        if value is not None:
            params[name] = value
    return f"?{params.urlencode()}"


def _sort_links(request, form: WorkingListForm, keys, default: str) -> dict:
    """Per sortable column: the link that sorts on it (the other direction when
    it is the active one, filters kept, back to page 1) and its ``aria-sort``."""
    current = form.sort() or default
    links = {}
    for key in keys:
        href = _list_link(request, sorteer=f"-{key}" if current == key else key)
        direction = {key: "ascending", f"-{key}": "descending"}.get(current, "")
        links[key] = {"href": href, "aria_sort": direction}
    return links


FILTERS_TEMPLATE = "referrals/_list_filters.html"
# The filter block of a list page while no words are typed in it (page 1,
# every page after it by its "Volgende" link, a list sorted or filtered by
# its choices): the same HTML for everyone with the same choices and values
# in the same language, so rendered once per process for each.
_FILTERS_MEMO: OrderedDict[str, str] = OrderedDict()
_FILTERS_MEMO_SIZE = 256
# Typed by the reader (a reference, a name): such a form is never kept.
_FILTERS_TYPED = ("q", "aanbod_naam")


def _filters_html(request, form: WorkingListForm, keep_filter: str, query: str) -> str:
    """The list's search, filter and sort form (``FILTERS_TEMPLATE``). A form
    with words typed in it, or with errors, is rendered every time and never
    kept; any other is kept under everything its HTML depends on: the
    language, the list, its choices (the actor's services), the values chosen
    and the query the CSV link carries."""
    context = {"form": form, "keep_filter": keep_filter, "query": query}
    chosen = sorted(
        (name, request.GET.getlist(name)) for name in form.fields if name in request.GET
    )
    typed = any(
        value.strip() for name in _FILTERS_TYPED for value in request.GET.getlist(name)
    )
    if typed or (chosen and not form.is_valid()):
        return render_to_string(FILTERS_TEMPLATE, context)
    shape = repr(
        (
            get_language(),
            form.is_bound,
            keep_filter,
            query,
            chosen,
            [
                (name, [(str(k), str(v)) for k, v in getattr(field, "choices", ())])
                for name, field in form.fields.items()
            ],
        )
    )
    key = hashlib.sha256(shape.encode()).hexdigest()
    html = _FILTERS_MEMO.get(key)
    if html is None:
        html = render_to_string(FILTERS_TEMPLATE, context)
        _FILTERS_MEMO[key] = html
        if len(_FILTERS_MEMO) > _FILTERS_MEMO_SIZE:
            _FILTERS_MEMO.popitem(last=False)
    return html


def _bad_csv_request(form: WorkingListForm) -> HttpResponse | None:
    """A CSV asked for with a bad filter or sort: say which field, send no rows
    (a spreadsheet in another order than asked for would mislead)."""
    if not form.is_bound or form.is_valid():
        return None
    lines = [
        f"{form.fields[name].label if name in form.fields else '-'}: {error}"
        for name, errors in form.errors.items()
        for error in errors
    ]
    return HttpResponse(
        "\n".join(lines), status=400, content_type="text/plain; charset=utf-8"
    )


@never_cache
@login_required
def inbox(request):
    show_all = request.GET.get("filter") == "all"
    is_provider = perms.scope(request.user).is_provider
    form = WorkingListForm(
        request.GET or None,
        sorts=INBOX_SORTS,
        services=selectors.service_choices_for_inbox(actor=request.user)
        if is_provider
        else [],
    )
    table = selectors.norms_table_cached()
    filters = form.filters()
    qs = selectors.referral_filter(
        selectors.referral_inbox(actor=request.user, open_only=not show_all),
        filters,
        table=table,
    )
    if request.GET.get("formaat") == "csv":
        return _bad_csv_request(form) or _csv_response(
            request.user, qs, "inbox.csv", table
        )
    # The whole history by one index scan per provider; the open inbox is
    # small (its partial index) and pays less for one plain statement.
    branches = (
        selectors.referral_inbox_branches(actor=request.user, open_only=False)
        if show_all
        else None
    )
    if branches is not None:
        branches = branches.map(
            lambda part: selectors.referral_filter(part, filters, table=table)
        )
    page = _seek_page(request, qs, branches)
    referrals = list(page.object_list)
    services.access_log_record_many(
        actor=request.user, referrals=referrals, purpose="inbox"
    )
    rows = _inbox_rows(request.user, referrals, timezone.localdate(), table)
    query = _list_query(request)
    context = {
        "form": form,
        "filters_html": _filters_html(request, form, "all" if show_all else "", query),
        "query": query,
        "page": page,
        "rows": rows,
        "rows_html": inbox_rows_html(rows),
        # Urgent first, then oldest first: no one column, so no aria-sort.
        "sort_links": _sort_links(request, form, INBOX_SORTS, default=""),
        "all_link": _list_link(request, filter="all"),
        "open_link": _list_link(request, filter=None),
        "show_all": show_all,
        "is_provider": is_provider,
    }
    return render(request, "referrals/inbox.html", context)


def _inbox_rows(actor, referrals, today, table) -> list[dict]:
    """The inbox's rows with their texts built once (``referrals.rows``)."""
    own = perms.scope(actor).member_ids
    texts = RowTexts()
    rows = []
    for r in referrals:
        timing = selectors.referral_timing(r, today=today, table=table)
        deadline = timing.next_deadline
        rows.append(
            {
                "referral": r,
                "timing": timing,
                "text": texts.of(r),
                "own": r.provider_id in own,
                "due_on": texts.day(deadline.due_on) if deadline else "",
            }
        )
    return rows


def _list_rows(actor, referrals, today, table):
    declined = {r.perceel_id for r in referrals if r.status == wf.DECLINED}
    per_perceel = {}
    if declined:
        per_perceel = selectors.service_alternatives(perceel_ids=declined)
    texts = RowTexts()
    return [
        {
            "referral": r,
            "view": perms.referral_view(actor, r),
            "timing": selectors.referral_timing(r, today=today, table=table),
            "text": texts.of(r),
            "urgent_open": r.urgency == codes.Urgency.URGENT and r.is_open,
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
    own = perms.scope(request.user)
    form = WorkingListForm(
        request.GET or None,
        sorts=LIST_SORTS,
        services=selectors.service_choices_for_referrer(actor=request.user),
        services_max=selectors.SERVICE_CHOICES_MAX,
    )
    table = selectors.norms_table_cached()
    qs = selectors.referral_filter(
        selectors.referral_list_for_referrer(actor=request.user, open_only=open_only),
        form.filters(),
        table=table,
        service_within=Q(referrer_organisation_id__in=own.referrer_ids),
    )
    if request.GET.get("formaat") == "csv":
        return _bad_csv_request(form) or _csv_response(
            request.user, qs, "verwijzingen.csv", table
        )
    page = _seek_page(request, qs)
    referrals = list(page.object_list)
    rows = _list_rows(request.user, referrals, timezone.localdate(), table)
    # A school sees its pupils' initials and dates of birth: logged as well.
    services.access_log_record_many(
        actor=request.user,
        referrals=[
            row["referral"]
            for row in rows
            if row["view"] in (perms.REFERRER, perms.SCHOOL)
        ],
        purpose="list",
    )
    query = _list_query(request)
    context = {
        "form": form,
        "filters_html": _filters_html(
            request, form, "open" if open_only else "", query
        ),
        "query": query,
        "sort_links": _sort_links(request, form, LIST_SORTS, default="-verwezen"),
        "all_link": _list_link(request, filter=None),
        "open_link": _list_link(request, filter="open"),
        "page": page,
        "rows": rows,
        "rows_html": list_rows_html(rows),
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
    steps = [e for e in selectors.referral_events(referral) if not e.retracted_at]
    context = {
        "referral": referral,
        "steps": steps,
        "timing": selectors.referral_timing(referral),
        "norms": selectors.norms(referral.urgency),
        # Help ended: the family may say how it was (ijw.experience).
        "experience_url": experience.family_experience_url(referral),
    }
    return render(request, "referrals/family_status_result.html", context)
