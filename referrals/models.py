"""The referral tracker (verwijsvolger): the closed loop until help actually starts.

A ``Referral`` holds the least child data that works (initials and date of
birth, never a BSN). Its ``status`` and milestone dates are derived from its
append-only ``ReferralEvent`` timeline by ``referrals.workflow.derive`` and are
written only by ``referrals.services.referral_event_record``.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from referrals import codes
from referrals import workflow as wf
from referrals.validators import validate_dutch_phone, validate_no_bsn

STATUS_CHOICES = [(status, label) for status, label in wf.STATUS_LABELS.items()]
EVENT_CHOICES = [(t, wf.STATUS_LABELS[t]) for t in wf.EVENT_TYPES]


# The inbox's first sort key; the same expression as the index that serves it.
URGENT_FIRST = models.Case(
    models.When(urgency=codes.Urgency.URGENT, then=models.Value(0)),
    default=models.Value(1),
)


class Referral(models.Model):
    reference = models.CharField(_("referentie"), max_length=16, unique=True)
    family_code = models.CharField(_("gezinscode"), max_length=16, unique=True)
    service = models.ForeignKey(
        "registry.Service",
        verbose_name=_("aanbod"),
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    # Copied from the service when the referral is made, so inbox and dashboard
    # queries need no join and history survives a service moving organisation.
    provider = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("aanbieder"),
        on_delete=models.PROTECT,
        related_name="referrals_received",
    )
    perceel = models.ForeignKey(
        "registry.Perceel", verbose_name=_("perceel"), on_delete=models.PROTECT
    )
    referrer_organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("verwijzende organisatie"),
        on_delete=models.PROTECT,
        related_name="referrals_made",
    )
    # None when the referrer organisation's API key referred (no person).
    referrer_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verwijzer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The local kind of referrer, and the iJw COD327 code it maps to
    # (codes.ROLE_COD327): the code alone cannot tell a wijkteam from JGZ.
    referrer_role = models.CharField(
        _("rol verwijzer"), max_length=30, choices=codes.ReferrerRole.choices
    )
    referrer_type = models.CharField(
        _("soort verwijzer (COD327)"),
        max_length=10,
        choices=codes.ReferrerType.choices,
    )
    follower_school = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("school die meekijkt"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_followed",
    )
    # A referral made after an earlier one for the same child was declined or
    # ended early: the chain's wait runs from the first referral (DESIGN.md).
    previous_referral = models.ForeignKey(
        "self",
        verbose_name=_("vorige verwijzing"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_referrals",
    )
    # The family agreed that the follower school may see status and dates (never
    # the help question). Without it the school sees nothing.
    school_consent = models.BooleanField(_("toestemming school"), default=False)
    # Personal data: emptied by purge_referral_personal_data after retention.
    child_initials = models.CharField(_("initialen kind"), max_length=10, blank=True)
    child_birth_date = models.DateField(_("geboortedatum kind"), null=True, blank=True)
    help_question = models.TextField(
        _("hulpvraag"), blank=True, max_length=2000, validators=[validate_no_bsn]
    )
    # The family's contact for the provider's first contact (and the parent's
    # notices): seen by referrer and receiving provider only (permissions).
    parent_name = models.CharField(
        _("naam ouder"), max_length=100, blank=True, validators=[validate_no_bsn]
    )
    parent_phone = models.CharField(
        _("telefoon ouder"),
        max_length=20,
        blank=True,
        validators=[validate_dutch_phone],
    )
    parent_email = models.EmailField(_("e-mail ouder"), blank=True)
    personal_data_purged_at = models.DateTimeField(null=True, blank=True)

    urgency = models.CharField(
        _("urgentie"),
        max_length=10,
        choices=codes.Urgency.choices,
        default=codes.Urgency.REGULAR,
    )
    consent_by = models.CharField(
        _("toestemming gegeven door"), max_length=10, choices=codes.ConsentBy.choices
    )
    consent_date = models.DateField(_("datum toestemming"))
    referred_on = models.DateField(_("verwezen op"), db_index=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    # When the provider side first opened it: "nieuw" in the inbox until then.
    provider_opened_at = models.DateTimeField(
        _("eerst geopend door aanbieder"), null=True, blank=True
    )

    # Derived from the events (referrals.workflow.derive); never set elsewhere.
    status = models.CharField(
        _("status"), max_length=20, choices=STATUS_CHOICES, default=wf.SENT
    )
    received_on = models.DateField(_("ontvangen op"), null=True, blank=True)
    first_contact_on = models.DateField(_("eerste contact op"), null=True, blank=True)
    waitlisted_on = models.DateField(_("op wachtlijst sinds"), null=True, blank=True)
    expected_start_on = models.DateField(_("verwachte start"), null=True, blank=True)
    bridging_care = models.BooleanField(_("overbruggingszorg"), null=True, blank=True)
    intake_on = models.DateField(_("intake op"), null=True, blank=True)
    started_on = models.DateField(_("hulp gestart op"), null=True, blank=True)
    ended_on = models.DateField(_("afgesloten op"), null=True, blank=True)
    declined_on = models.DateField(_("afgewezen op"), null=True, blank=True)
    withdrawn_on = models.DateField(_("ingetrokken op"), null=True, blank=True)

    class Meta:
        ordering = ["referred_on", "id"]
        verbose_name = _("verwijzing")
        verbose_name_plural = _("verwijzingen")
        indexes = [
            models.Index(
                fields=["provider", "status"], name="referral_provider_status"
            ),
            # The referral list sorted by status (then date, id): a page reads
            # only its rows, as with the indexes below for the other sorts.
            models.Index(
                fields=["referrer_organisation", "status", "referred_on", "id"],
                name="referral_referrer_status",
            ),
            models.Index(
                fields=["perceel", "referred_on"], name="referral_perceel_date"
            ),
            models.Index(
                fields=["child_birth_date", "child_initials"], name="referral_child"
            ),
            # The working lists' column sorts (referrals.selectors.SORTS).
            models.Index(fields=["status", "referred_on"], name="referral_status_date"),
            models.Index(fields=["started_on"], name="referral_started_on"),
            # The working lists' default orders, so a page reads only its own
            # rows whatever the history (selectors.referral_list_for_referrer,
            # referral_inbox): a referrer organisation's newest first, and a
            # provider's open referrals urgent first, then oldest first.
            models.Index(
                fields=["referrer_organisation", "-referred_on", "-id"],
                name="referral_referrer_newest",
            ),
            # The referral list's other sorts (selectors.SORT_COLUMNS; read
            # backwards for the descending ones), so a deep page of a sorted
            # list reads only its own rows too.
            models.Index(
                fields=["referrer_organisation", "reference", "id"],
                name="referral_referrer_reference",
            ),
            models.Index(
                fields=["referrer_organisation", "started_on", "id"],
                name="referral_referrer_started",
            ),
            # The services a referrer organisation referred to (the referral
            # list's service filter): read from the index alone.
            models.Index(
                fields=["referrer_organisation", "service"],
                name="referral_referrer_service",
            ),
            models.Index(
                models.F("provider"),
                URGENT_FIRST,
                models.F("referred_on"),
                models.F("id"),
                name="referral_inbox_open",
                condition=Q(status__in=sorted(wf.OPEN_STATUSES)),
            ),
            # Open referrals past a norm (the dashboard's live count and list,
            # ``dashboard.selectors.overdue_referrals``): the oldest first, and
            # every column the condition and its filters read, so the count
            # is an index-only scan of the open referrals, not of them all.
            models.Index(
                fields=["referred_on", "id"],
                include=[
                    "urgency",
                    "first_contact_on",
                    "intake_on",
                    "perceel",
                    "referrer_type",
                    "provider",
                ],
                name="referral_open_overdue",
                condition=Q(status__in=sorted(wf.OPEN_STATUSES)),
            ),
            # The whole inbox ("Alle"), one provider at a time in the inbox's
            # order (selectors.inbox_branches); the perceel last so that an
            # onderaannemer's rows outside the subcontracted percelen are
            # skipped in the index alone.
            models.Index(
                models.F("provider"),
                URGENT_FIRST,
                models.F("referred_on"),
                models.F("id"),
                models.F("perceel"),
                name="referral_inbox_all",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=list(wf.STATUS_LABELS)),
                name="referral_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(consent_date__lte=models.F("referred_on")),
                name="referral_consent_before_referral",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse(
            "referrals:referral-detail", kwargs={"reference": self.reference}
        )

    @property
    def is_open(self) -> bool:
        return self.status in wf.OPEN_STATUSES


class ReferralEvent(models.Model):
    """One step in a referral's timeline. Append-only: never updated or deleted."""

    referral = models.ForeignKey(
        Referral,
        verbose_name=_("verwijzing"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    type = models.CharField(_("stap"), max_length=20, choices=EVENT_CHOICES)
    occurred_on = models.DateField(_("datum"))
    recorded_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("vastgelegd door"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    actor_organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisatie"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    note = models.TextField(
        _("toelichting"), blank=True, max_length=1000, validators=[validate_no_bsn]
    )
    expected_start_on = models.DateField(_("verwachte start"), null=True, blank=True)
    bridging_care = models.BooleanField(_("overbruggingszorg"), null=True, blank=True)
    end_reason = models.CharField(
        _("reden beëindiging"),
        max_length=4,
        choices=codes.EndReason.choices,
        blank=True,
    )
    decline_reason = models.CharField(
        _("reden afwijzing"),
        max_length=20,
        choices=codes.DeclineReason.choices,
        blank=True,
    )
    idempotency_key = models.CharField(max_length=100, blank=True)
    # Where the step came from: "" = recorded in the app, "ijw" = reported in the
    # municipality's iJw messages (JW305/JW307, see the ijw app).
    source = models.CharField(
        _("bron"), max_length=10, choices=wf.SOURCE_CHOICES, blank=True, default=""
    )
    # A step recorded in error (by the provider, or withdrawn in iJw with
    # StatusAanlevering 3) is marked so, never deleted: the timeline keeps
    # both the step and its correction; ``workflow.derive`` skips it. These are
    # the only fields ever written after the INSERT (by
    # ``services.referral_event_retract``).
    retracted_at = models.DateTimeField(
        _("als fout gemarkeerd op"), null=True, blank=True
    )
    retracted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("als fout gemarkeerd door"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    retraction_reason = models.TextField(
        _("reden correctie"), blank=True, max_length=1000, validators=[validate_no_bsn]
    )

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("stap")
        verbose_name_plural = _("stappen")
        constraints = [
            # A second recording of the same step (two users at once) is refused
            # by the database too; waitlisted may occur before and after intake.
            # A step marked as recorded in error may be recorded again.
            models.UniqueConstraint(
                fields=["referral", "type"],
                condition=~Q(type="waitlisted") & Q(retracted_at__isnull=True),
                name="referral_event_step_once",
            ),
            models.UniqueConstraint(
                fields=["referral", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="referral_event_idempotency_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(type__in=list(wf.EVENT_TYPES)),
                name="referral_event_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referral} {self.type} {self.occurred_on}"

    def as_workflow_event(self) -> wf.Event:
        return wf.Event(
            self.type,
            self.occurred_on,
            self.expected_start_on,
            self.bridging_care,
            retracted=self.retracted_at is not None,
        )


# The screens a read is logged under (``AccessLogEntry.purpose``), as people name them.
ACCESS_PURPOSE_LABELS = {
    "detail_referrer": _("verwijzing (verwijzer)"),
    "detail_provider": _("verwijzing (aanbieder)"),
    "detail_school": _("verwijzing (school)"),
    "created": _("bevestiging verwijzing verstuurd"),
    "slip": _("brief voor het gezin"),
    "inbox": _("inbox aanbieder"),
    "list": _("lijst verwijzingen"),
    "duplicate_warning": _("waarschuwing dubbele verwijzing"),
    "family_status": _("statuspagina gezin"),
    "api_list": _("API: lijst verwijzingen"),
    "api_detail": _("API: verwijzing"),
    "csv": _("download werklijst (CSV)"),
    "prefill": _("nieuwe verwijzing ingevuld vanuit de vorige"),
}


class AccessLogEntry(models.Model):
    """Who read a referral's personal data, when and where (NEN 7513 spirit)."""

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="access_log"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    organisation = models.ForeignKey(
        "registry.Organisation", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    purpose = models.CharField(_("weergave"), max_length=60)
    at = models.DateTimeField(_("tijdstip"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("inzage")
        verbose_name_plural = _("inzagelog")

    def __str__(self) -> str:
        return f"{self.user} {self.referral} {self.purpose}"

    @property
    def purpose_label(self) -> str:
        return str(ACCESS_PURPOSE_LABELS.get(self.purpose, self.purpose))


class Notification(models.Model):
    """A durable outbox row: one notice for one recipient (see notifications.py).

    Written in the same transaction as the event that causes it, so a committed
    event always has its notices; ``send_notifications`` mails rows with a
    ``recipient_email`` and marks them sent in the transaction of the attempt.
    ``dedupe_key`` is unique, so enqueueing the same notice twice stores one row.
    Rows are kept after sending (and after giving up) as the record of what went out.
    """

    class Kind(models.TextChoices):
        DECLINED = "declined", _("Verwijzing afgewezen")
        STARTED = "started", _("Hulp gestart")
        OVERDUE = "overdue", _("Norm verstreken")
        RETENTION = "retention", _("Gegevens worden binnenkort verwijderd")
        NEW = "new", _("Nieuwe verwijzing")
        URGENT = "urgent", _("Nieuwe verwijzing met spoed")
        WITHDRAWN = "withdrawn", _("Verwijzing ingetrokken")
        CORRECTED = "corrected", _("Stap gecorrigeerd")
        EXPERIENCE = "experience", _("Vraag naar ervaring")

    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices)
    referral = models.ForeignKey(
        Referral,
        verbose_name=_("verwijzing"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ontvanger"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="referral_notifications",
    )
    # Empty: in-app only. For a parent this is the only recipient field.
    recipient_email = models.EmailField(_("e-mailadres ontvanger"), blank=True)
    subject = models.CharField(_("onderwerp"), max_length=200)
    body = models.TextField(_("bericht"))
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    sent_at = models.DateTimeField(_("verstuurd op"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("pogingen"), default=0)
    next_attempt_at = models.DateTimeField(
        _("volgende poging"), null=True, blank=True, db_index=True
    )
    last_error = models.TextField(_("laatste fout"), blank=True)
    read_at = models.DateTimeField(_("gelezen op"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("melding")
        verbose_name_plural = _("meldingen")
        indexes = [
            models.Index(
                fields=["recipient_user", "read_at"], name="notification_unread"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.referral}"


class StatusLookupFailure(models.Model):
    """One wrong answer on the family status page, for throttling.

    A row per failure (not a counter) so concurrent processes only ever INSERT;
    the number of rows for a key inside the window is the count. ``key`` is a
    keyed hash of the family code or client address, never the value itself.
    """

    class Scope(models.TextChoices):
        CODE = "code", _("gezinscode")
        ADDRESS = "address", _("adres")

    scope = models.CharField(max_length=10, choices=Scope.choices)
    key = models.CharField(max_length=64)
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("mislukte statuscontrole")
        verbose_name_plural = _("mislukte statuscontroles")
        indexes = [
            models.Index(fields=["scope", "key", "at"], name="status_failure_key_at")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.at:%Y-%m-%d %H:%M}"


class ResponseNorm(models.Model):
    """How soon a step must follow, per urgency: data the municipality edits in
    the admin (DESIGN.md "Norms are data"). Deadlines, overdue notices and the
    overdue list read it through ``selectors.norms_table``.

    first_contact, intake and total count from the referral; treatment from the
    intake. A missing row falls back to the settings (NORM_*_WEEKS).
    """

    class Step(models.TextChoices):
        FIRST_CONTACT = "first_contact", _("Eerste contact (vanaf verwijzing)")
        INTAKE = "intake", _("Intake (vanaf verwijzing)")
        TREATMENT = "treatment", _("Start hulp (vanaf intake)")
        TOTAL = "total", _("Start hulp (vanaf verwijzing)")

    class Unit(models.TextChoices):
        WEEKS = wf.WEEKS, _("weken")
        DAYS = wf.DAYS, _("kalenderdagen")
        WORKING_DAYS = wf.WORKING_DAYS, _("werkdagen (zonder feestdagen)")

    urgency = models.CharField(
        _("urgentie"), max_length=10, choices=codes.Urgency.choices
    )
    step = models.CharField(_("stap"), max_length=20, choices=Step.choices)
    amount = models.PositiveSmallIntegerField(
        _("termijn"), validators=[MinValueValidator(1), MaxValueValidator(520)]
    )
    unit = models.CharField(
        _("eenheid"), max_length=20, choices=Unit.choices, default=Unit.WEEKS
    )
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    class Meta:
        ordering = ["urgency", "step"]
        verbose_name = _("norm")
        verbose_name_plural = _("normen")
        constraints = [
            models.UniqueConstraint(
                fields=["urgency", "step"], name="response_norm_once_per_step"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=1, amount__lte=520),
                name="response_norm_amount_1_520",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_urgency_display()}: {self.get_step_display()}"

    def as_norm(self) -> wf.Norm:
        return wf.Norm(self.amount, self.unit)
