"""What the tracker keeps of iJw messages: numbers, codes and dates only.

Never a BSN, a name, an address or a date of birth (the one personal value
read, for the entitlement check, is compared and dropped; a waiting message
keeps a keyed hash of it). See ``ijw.messages`` for what is read.

- ``Message``: that a message was received (type, sender, its identification
  and date), to refuse a second delivery and to time the reports.
- ``Allocation``: a JW301 ToewijzingNummer linked to a referral.
- ``Report``: a step the iJw messages tell about (requested, allocated,
  refused, in investigation, started, ended), shown on the referral timeline
  "via iJw-berichtenverkeer". A start or end also records the ReferralEvent
  (through ``referrals.services.referral_event_record``) unless the provider
  recorded that step by hand; then both dates are shown.
- ``PendingProduct``: a JW305/JW307 line that matched no allocation yet.
- ``ExperienceInvitation`` / ``ExperienceAnswer``: the family questionnaire.
  The answer has no link to the invitation or the referral: only provider,
  perceel and month.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    JW301 = "JW301", "JW301 Toewijzing"
    JW305 = "JW305", "JW305 Start zorg"
    JW307 = "JW307", "JW307 Stop zorg"
    JW315 = "JW315", "JW315 Verzoek om toewijzing"
    JW319 = "JW319", "JW319 Antwoordbericht"


class Message(models.Model):
    class Outcome(models.TextChoices):
        PROCESSED = "processed", _("verwerkt")
        QUEUED = "queued", _("wacht op toewijzing")
        NOT_OURS = "not_ours", _("geen verwijzing van de sociale kaart")

    kind = models.CharField(_("bericht"), max_length=5, choices=Kind.choices)
    sender = models.CharField(_("afzender"), max_length=8)
    receiver = models.CharField(_("ontvanger"), max_length=8)
    identification = models.CharField(_("berichtidentificatie"), max_length=12)
    dated_on = models.DateField(_("dagtekening"))
    received_at = models.DateTimeField(_("ontvangen op"), auto_now_add=True)
    outcome = models.CharField(_("uitkomst"), max_length=12, choices=Outcome.choices)
    delivered_by = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("aangeleverd door"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("iJw-bericht")
        verbose_name_plural = _("iJw-berichten")
        constraints = [
            # BerichtIdentificatie is unique per sender and message type.
            models.UniqueConstraint(
                fields=["kind", "sender", "identification"],
                name="ijw_message_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.sender} {self.identification}"


class Allocation(models.Model):
    """A municipality's ToewijzingNummer for a referral (from its JW301)."""

    municipality_code = models.CharField(_("gemeentecode"), max_length=4)
    number = models.CharField(_("toewijzingnummer"), max_length=9)
    referral = models.ForeignKey(
        "referrals.Referral",
        verbose_name=_("verwijzing"),
        on_delete=models.CASCADE,
        related_name="ijw_allocations",
    )
    provider_agb = models.CharField(_("AGB-code aanbieder"), max_length=8)
    product_category = models.CharField(_("productcategorie"), max_length=2)
    product_code = models.CharField(_("productcode"), max_length=5, blank=True)
    allocated_on = models.DateField(_("toewijzingsdatum"))
    valid_from = models.DateField(_("ingangsdatum"))
    valid_until = models.DateField(_("einddatum"), null=True, blank=True)
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["allocated_on", "id"]
        verbose_name = _("toewijzing")
        verbose_name_plural = _("toewijzingen")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality_code", "number"], name="ijw_allocation_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality_code}/{self.number}"


class Report(models.Model):
    class Step(models.TextChoices):
        REQUESTED = "requested", _("Toewijzing aangevraagd")
        ALLOCATED = "allocated", _("Toewijzing afgegeven")
        REFUSED = "refused", _("Toewijzing afgewezen")
        INVESTIGATING = "investigating", _("Aanvraag in onderzoek")
        STARTED = "started", _("Hulp gestart")
        ENDED = "ended", _("Afgesloten")

    referral = models.ForeignKey(
        "referrals.Referral",
        verbose_name=_("verwijzing"),
        on_delete=models.CASCADE,
        related_name="ijw_reports",
    )
    step = models.CharField(_("stap"), max_length=20, choices=Step.choices)
    occurred_on = models.DateField(_("datum"))
    reported_on = models.DateField(_("dagtekening bericht"))
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="+")
    allocation = models.ForeignKey(
        Allocation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The event this report recorded; empty when the provider had recorded the
    # step by hand already (the timeline then shows both dates).
    event = models.ForeignKey(
        "referrals.ReferralEvent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ijw_reports",
    )
    reason = models.CharField(_("reden (code)"), max_length=4, blank=True)
    retracted_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    retracted_by = models.ForeignKey(
        Message, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["occurred_on", "id"]
        verbose_name = _("iJw-melding")
        verbose_name_plural = _("iJw-meldingen")
        indexes = [models.Index(fields=["step", "occurred_on"], name="ijw_report_step")]

    def __str__(self) -> str:
        return f"{self.referral} {self.step} {self.occurred_on}"


class PendingProduct(models.Model):
    """A JW305/JW307 line waiting for its JW301; expires after IJW_QUEUE_DAYS."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="pending_products"
    )
    municipality_code = models.CharField(max_length=4)
    allocation_number = models.CharField(max_length=9, db_index=True)
    # A keyed hash of the client's date of birth: checked once matched.
    birth_date_digest = models.CharField(max_length=64)
    begin_on = models.DateField(null=True, blank=True)
    end_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=4, blank=True)
    status = models.CharField(max_length=1)
    expires_on = models.DateField(db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("wachtend iJw-product")
        verbose_name_plural = _("wachtende iJw-producten")

    def __str__(self) -> str:
        return f"{self.municipality_code}/{self.allocation_number}"


class ExperienceInvitation(models.Model):
    """The family's one chance to answer, for one ended referral.

    Only a hash of the link's token is kept. ``answered`` has no time on
    purpose: the answer must not be traceable to the referral by its moment.
    """

    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.CASCADE, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    answered = models.BooleanField(default=False)
    mailed = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("uitnodiging ervaring")
        verbose_name_plural = _("uitnodigingen ervaring")

    def __str__(self) -> str:
        return f"{self.pk}"


class ExperienceAnswer(models.Model):
    """A family's answers. No link back to the child: provider, perceel, month."""

    class Answer(models.TextChoices):
        YES = "yes", _("Ja")
        PARTLY = "partly", _("Een beetje")
        NO = "no", _("Nee")

    provider = models.ForeignKey(
        "registry.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    perceel = models.ForeignKey(
        "registry.Perceel", on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("maand"))  # first day of the month help ended
    on_time = models.CharField(max_length=6, choices=Answer.choices)
    helped = models.CharField(max_length=6, choices=Answer.choices)
    heard = models.CharField(max_length=6, choices=Answer.choices)
    mark = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    remark = models.TextField(blank=True, max_length=500)

    class Meta:
        verbose_name = _("ervaring gezin")
        verbose_name_plural = _("ervaringen gezinnen")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(mark__gte=1, mark__lte=10),
                name="experience_mark_1_10",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.perceel_id} {self.month:%Y-%m}"
