"""Professional accounts: invitations, the organisation's people log, the
sessions a user can see and end, and per-organisation single sign-on.

The second factor itself lives in django-otp's models (TOTP device and the
static device that holds recovery codes). Writes go through ``services.py``.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import Membership, Organisation


class Invitation(models.Model):
    """A one-time link to join an organisation (set a password and second factor).

    Only the sha256 of the link's secret is stored. Valid until ``expires_at``,
    once: ``accepted_at`` or ``revoked_at`` ends it.
    """

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisatie"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    email = models.EmailField(_("e-mail"))
    role = models.CharField(
        _("rol"),
        max_length=10,
        choices=Membership.Role.choices,
        default=Membership.Role.STAFF,
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uitgenodigd door"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("aangemaakt op"), default=timezone.now)
    expires_at = models.DateTimeField(_("geldig tot"))
    accepted_at = models.DateTimeField(_("geaccepteerd op"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("geaccepteerd door"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("uitnodiging")
        verbose_name_plural = _("uitnodigingen")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["staff", "admin"]), name="invitation_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and now < self.expires_at
        )


class OrganisationLogEntry(models.Model):
    """Append-only history of an organisation's people: who did what, when."""

    class Action(models.TextChoices):
        INVITED = "invited", _("Uitgenodigd")
        INVITATION_REVOKED = "invitation_revoked", _("Uitnodiging ingetrokken")
        JOINED = "joined", _("Uitnodiging geaccepteerd")
        ROLE_CHANGED = "role_changed", _("Rol gewijzigd")
        REMOVED = "removed", _("Uit de organisatie gehaald")
        ACCOUNT_DEACTIVATED = "account_deactivated", _("Account gedeactiveerd")
        SSO_PROVISIONED = "sso_provisioned", _("Aangemaakt via single sign-on")
        SECOND_FACTOR_RESET = (
            "second_factor_reset",
            _("Tweede factor opnieuw ingesteld"),
        )

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisatie"),
        on_delete=models.CASCADE,
        related_name="people_log",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("door"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept as text too: the log still says who, after an account is removed.
    actor_label = models.CharField(_("door (naam)"), max_length=200, blank=True)
    action = models.CharField(_("actie"), max_length=30, choices=Action.choices)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("betreft"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    subject_label = models.CharField(_("betreft (naam)"), max_length=200)
    detail = models.CharField(_("details"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("tijdstip"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("logregel personen")
        verbose_name_plural = _("logboek personen")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.subject_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("Het logboek kan niet worden gewijzigd."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Het logboek kan niet worden gewijzigd."))


class UserSession(models.Model):
    """A log-in session of a user, so they (and deactivation) can end it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(_("ingelogd op"), default=timezone.now)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    method = models.CharField(_("manier"), max_length=20, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("sessie")
        verbose_name_plural = _("sessies")

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"


class OidcProvider(models.Model):
    """An organisation's own OpenID Connect identity provider (single sign-on).

    Endpoints come from the issuer's discovery document. Users log in only into
    this organisation, and only with an e-mail address in ``email_domains``.
    """

    organisation = models.OneToOneField(
        Organisation,
        verbose_name=_("organisatie"),
        on_delete=models.CASCADE,
        related_name="oidc_provider",
    )
    issuer = models.URLField(
        _("issuer"),
        help_text=_("De issuer-URL; /.well-known/openid-configuration hoort erbij."),
    )
    client_id = models.CharField(_("client id"), max_length=200)
    client_secret = models.CharField(_("client secret"), max_length=500)
    email_domains = models.CharField(
        _("e-maildomeinen"),
        max_length=500,
        help_text=_("Domeinen die deze provider dekt, gescheiden door komma's."),
    )
    require_app_second_factor = models.BooleanField(
        _("tweede factor van de app vereist"),
        default=True,
        help_text=_(
            "Uit: de tweede factor van de app wordt overgeslagen als de "
            "identity provider meervoudige authenticatie meldt (amr/acr)."
        ),
    )
    active = models.BooleanField(_("actief"), default=True)

    class Meta:
        verbose_name = _("single sign-on (OpenID Connect)")
        verbose_name_plural = _("single sign-on (OpenID Connect)")

    def __str__(self) -> str:
        return f"{self.organisation} ({self.issuer})"

    def clean(self) -> None:
        super().clean()
        if not self.domains():
            raise ValidationError(
                {"email_domains": _("Geef ten minste één e-maildomein op.")}
            )
        local = ("https://", "http://127.0.0.1", "http://localhost")
        if self.issuer and not self.issuer.startswith(local):
            raise ValidationError({"issuer": _("De issuer moet een https-adres zijn.")})

    def domains(self) -> list[str]:
        parts = self.email_domains.replace(";", ",").replace(" ", ",").split(",")
        return sorted({p.strip().lower().lstrip("@") for p in parts if p.strip()})

    def covers(self, email: str) -> bool:
        domain = email.rpartition("@")[2].strip().lower()
        return bool(domain) and domain in self.domains()
