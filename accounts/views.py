"""Account pages: the two-step log-in, first-time second-factor set-up, the
user's own sessions, switching organisation, an organisation's people and
invitations. Thin adapters over ``services`` and ``permissions``; another
organisation's people are "not found" (404).
"""

from base64 import b32encode
from io import BytesIO

from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response

from accounts import forms, login_flow, permissions, selectors, services
from accounts.models import Invitation
from registry.models import Membership, Organisation


class LoginView(auth_views.LoginView):
    """Step one: username and password (django-axes counts failures)."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        url = login_flow.begin(
            self.request,
            form.get_user(),
            method="password",
            next_url=self.get_success_url(),
        )
        return redirect(url)


def admin_login(request):
    """The admin logs in through the same two steps as everyone."""
    target = login_flow.safe_next(request, request.GET.get("next"), "/admin/")
    return redirect(f"{reverse('login')}?{urlencode({'next': target})}")


def _pending_or_restart(request):
    user, pending = login_flow.pending_user(request)
    if user is None:
        messages.info(request, _("Log opnieuw in; de vorige poging is verlopen."))
    return user, pending


def _refuse_code(request, user, form) -> None:
    """A wrong code counts as a failed log-in for this username (django-axes)."""
    user_login_failed.send(
        sender=__name__,
        credentials={"username": user.get_username()},
        request=request,
    )
    form.add_error("code", _("Deze code klopt niet. Probeer de volgende code."))


@never_cache
@sensitive_post_parameters("code")
def second_factor(request):
    """Step two: a code from the app or a recovery code."""
    user, pending = _pending_or_restart(request)
    if user is None:
        return redirect("login")
    if services.confirmed_totp_device(user) is None:
        return redirect("accounts:second-factor-setup")
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        login_flow.abandon(request)
        return get_lockout_response(request, credentials=credentials)
    form = forms.CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        device = services.second_factor_verify(
            user=user, token=form.cleaned_data["code"]
        )
        if device is not None:
            login_flow.complete(
                request,
                user,
                backend=pending["backend"],
                method=pending["method"],
                marker="otp",
                device=device,
            )
            return redirect(login_flow.safe_next(request, pending["next"]))
        _refuse_code(request, user, form)
        status = 400
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/second_factor.html", {"form": form}, status=status)


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@never_cache
@sensitive_post_parameters("code")
def second_factor_setup(request):
    """First log-in: connect an authenticator app (QR code or typed key)."""
    user, pending = _pending_or_restart(request)
    if user is None:
        return redirect("login")
    if services.confirmed_totp_device(user) is not None:
        return redirect("accounts:second-factor")
    device = services.totp_device_for_setup(user=user)
    form = forms.SetupCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        codes = services.totp_confirm(
            user=user, device=device, token=form.cleaned_data["code"]
        )
        if codes is not None:
            login_flow.complete(
                request,
                user,
                backend=pending["backend"],
                method=pending["method"],
                marker="otp",
                device=device,
            )
            request.session[login_flow.RECOVERY_CODES_KEY] = {
                "codes": codes,
                "next": login_flow.safe_next(request, pending["next"]),
            }
            return redirect("accounts:recovery-codes")
        form.add_error(
            "code",
            _(
                "Deze code klopt niet. Controleer de tijd op uw telefoon en "
                "probeer de volgende code."
            ),
        )
    if request.method == "POST":
        status = 400
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr_svg": _qr_svg(device.config_url),
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
    }
    return render(request, "accounts/second_factor_setup.html", context, status=status)


@never_cache
@login_required
def recovery_codes(request):
    """The new recovery codes, shown once, right after set-up."""
    shown = request.session.pop(login_flow.RECOVERY_CODES_KEY, None)
    if not shown:
        return redirect("accounts:account")
    return render(request, "accounts/recovery_codes.html", shown)


@never_cache
@login_required
def account(request):
    """Who am I, my organisations and my active sessions."""
    context = {
        "sessions": selectors.session_list(
            user=request.user, current_key=request.session.session_key
        ),
        "has_totp": services.confirmed_totp_device(request.user) is not None,
    }
    return render(request, "accounts/account.html", context)


@login_required
@require_POST
def session_end(request):
    key = request.POST.get("session", "")
    if key == "others":
        ended = 0
        for row in selectors.session_list(
            user=request.user, current_key=request.session.session_key
        ):
            if not row.current:
                ended += services.session_end(user=request.user, session_key=row.key)
        messages.success(request, _("Andere sessies beëindigd: %(n)s.") % {"n": ended})
    elif services.session_end(user=request.user, session_key=key):
        if key == request.session.session_key:
            return redirect("login")
        messages.success(request, _("Sessie beëindigd."))
    else:
        raise Http404
    return redirect("accounts:account")


@never_cache
@login_required
def organisation_switch(request):
    organisations = selectors.organisations_of(user=request.user)
    form = forms.OrganisationChoiceForm(
        request.POST or None, organisations=organisations
    )
    if request.method == "POST":
        if form.is_valid():
            chosen = form.cleaned_data["organisation"]
            request.session[login_flow.ORGANISATION_KEY] = chosen
            request.session[login_flow.ORGANISATION_COUNT_KEY] = len(organisations)
            name = next(o.name for o in organisations if o.pk == chosen)
            messages.success(request, _("U werkt nu voor %(org)s.") % {"org": name})
            return redirect("registry:start")
        return render(
            request,
            "accounts/organisation_switch.html",
            {"form": form, "organisations": organisations},
            status=400,
        )
    context = {
        "form": form,
        "organisations": organisations,
        "current": request.session.get(login_flow.ORGANISATION_KEY),
    }
    return render(request, "accounts/organisation_switch.html", context)


# --- An organisation's people ----------------------------------------------


def _organisation_for_people(request, pk) -> Organisation:
    organisation = get_object_or_404(Organisation, pk=pk)
    if not permissions.can_view_people(request.user, organisation):
        raise Http404
    return organisation


@never_cache
@login_required
def people(request, pk):
    organisation = _organisation_for_people(request, pk)
    return _render_people(request, organisation)


def _render_people(request, organisation, *, invite_form=None, status=200):
    members = selectors.member_list(organisation=organisation)
    manage = permissions.can_manage_people(request.user, organisation)
    has_admin = any(m.role == Membership.Role.ADMIN for m in members)
    first_admin = permissions.can_invite_first_admin(
        request.user, organisation, has_admin
    )
    if invite_form is None:
        invite_form = forms.InvitationForm() if manage else forms.FirstAdminForm()
    context = {
        "organisation": organisation,
        "members": members,
        "manage": manage,
        "first_admin": first_admin,
        "municipality_admin": permissions.is_municipality_admin(request.user),
        "invite_form": invite_form,
        "invitations": selectors.open_invitations(organisation=organisation),
        "log": selectors.people_log(organisation=organisation),
        "role_choices": Membership.Role.choices,
    }
    return render(request, "accounts/people.html", context, status=status)


def _apply(request, call, success: str) -> bool:
    try:
        call()
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return False
    messages.success(request, success)
    return True


@login_required
@require_POST
def people_invite(request, pk):
    organisation = _organisation_for_people(request, pk)
    manage = permissions.can_manage_people(request.user, organisation)
    if not manage and not permissions.can_invite_first_admin(
        request.user, organisation, selectors.has_admin(organisation=organisation)
    ):
        raise Http404
    form = (forms.InvitationForm if manage else forms.FirstAdminForm)(request.POST)
    if not form.is_valid():
        return _render_people(request, organisation, invite_form=form, status=400)
    role = form.cleaned_data.get("role", Membership.Role.ADMIN)
    try:
        services.invitation_create(
            actor=request.user,
            organisation=organisation,
            email=form.cleaned_data["email"],
            role=role,
        )
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _render_people(request, organisation, invite_form=form, status=400)
    messages.success(
        request,
        _("Uitnodiging verstuurd naar %(email)s.")
        % {"email": form.cleaned_data["email"]},
    )
    return redirect("accounts:people", pk=organisation.pk)


def _membership(request, pk, membership_pk, *, allowed) -> Membership:
    organisation = _organisation_for_people(request, pk)
    if not allowed(request.user, organisation):
        raise Http404
    return get_object_or_404(
        Membership.objects.select_related("user", "organisation"),
        pk=membership_pk,
        organisation=organisation,
    )


@login_required
@require_POST
def people_role(request, pk, membership_pk):
    membership = _membership(
        request, pk, membership_pk, allowed=permissions.can_manage_people
    )
    form = forms.RoleForm(request.POST)
    if form.is_valid():
        _apply(
            request,
            lambda: services.membership_change_role(
                actor=request.user,
                membership=membership,
                role=form.cleaned_data["role"],
            ),
            _("Rol gewijzigd."),
        )
    else:
        messages.error(request, _("Kies medewerker of beheerder."))
    return redirect("accounts:people", pk=pk)


@login_required
@require_POST
def people_remove(request, pk, membership_pk):
    membership = _membership(
        request, pk, membership_pk, allowed=permissions.can_manage_people
    )
    _apply(
        request,
        lambda: services.membership_remove(actor=request.user, membership=membership),
        _(
            "%(name)s is uit de organisatie gehaald; sessies en API-sleutels "
            "zijn beëindigd."
        )
        % {"name": membership.user.get_full_name() or membership.user.email},
    )
    return redirect("accounts:people", pk=pk)


@login_required
@require_POST
def people_deactivate(request, pk, membership_pk):
    membership = _membership(
        request,
        pk,
        membership_pk,
        allowed=lambda user, _org: permissions.is_municipality_admin(user),
    )
    _apply(
        request,
        lambda: services.user_deactivate(actor=request.user, user=membership.user),
        _("Account gedeactiveerd; sessies en API-sleutels zijn beëindigd."),
    )
    return redirect("accounts:people", pk=pk)


@login_required
@require_POST
def people_second_factor_reset(request, pk, membership_pk):
    """Lost phone: the organisation's admin removes the member's app and codes;
    they set it up again at their next log-in."""
    membership = _membership(
        request, pk, membership_pk, allowed=permissions.can_manage_people
    )
    _apply(
        request,
        lambda: services.second_factor_reset(
            actor=request.user,
            user=membership.user,
            organisation=membership.organisation,
        ),
        _(
            "Tweede factor gewist; bij de volgende log-in stelt de collega hem "
            "opnieuw in."
        ),
    )
    return redirect("accounts:people", pk=pk)


@login_required
@require_POST
def invitation_revoke(request, pk, invitation_pk):
    organisation = _organisation_for_people(request, pk)
    invitation = get_object_or_404(
        Invitation, pk=invitation_pk, organisation=organisation
    )
    _apply(
        request,
        lambda: services.invitation_revoke(actor=request.user, invitation=invitation),
        _("Uitnodiging ingetrokken."),
    )
    return redirect("accounts:people", pk=pk)


@never_cache
@login_required
def organisation_list(request):
    """The municipality's admins: every organisation, to reach its people."""
    if not permissions.is_municipality_admin(request.user):
        raise Http404
    return render(
        request,
        "accounts/organisation_list.html",
        {"organisations": selectors.organisation_list_with_people()},
    )


# --- Accepting an invitation -------------------------------------------------


@never_cache
@sensitive_post_parameters("password", "password_again")
def invitation_accept(request, secret):
    invitation = services.invitation_get_open(secret=secret)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    existing = selectors.user_by_email(email=invitation.email)
    form_class = forms.ExistingAccountForm if existing else forms.NewAccountForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = _accept(request, invitation, existing, form)
        if user is not None:
            url = login_flow.begin(
                request,
                user,
                method="invitation",
                next_url=reverse("registry:start"),
                backend=login_flow.MODEL_BACKEND,
            )
            return redirect(url)
    status = 400 if request.method == "POST" else 200
    context = {"invitation": invitation, "form": form, "existing": existing}
    return render(request, "accounts/invitation.html", context, status=status)


def _accept(request, invitation, existing, form):
    if existing is not None:
        user = authenticate(
            request,
            username=existing.get_username(),
            password=form.cleaned_data["password"],
        )
        if user is None:
            form.add_error("password", _("Dit wachtwoord klopt niet."))
            return None
    try:
        return services.invitation_accept(
            invitation=invitation,
            user=existing and user,
            data=None if existing else form.cleaned_data,
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
        return None
