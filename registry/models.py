"""The social map (sociale kaart): who offers what, where, and with how much room.

Field and row invariants live here as validators, ``clean()`` and database
constraints; cross-object rules are plain functions in ``validators.py``. Writes
go through ``services``; nothing here has side effects in ``save()`` (a facet
term's ``save()`` only fills its own missing ``bit_slot``).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from simple_history.models import HistoricalRecords

from registry import norms
from registry import validators as v


class User(AbstractUser):
    """A professional's account. What they may do follows from their memberships."""

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")


def in_language(name: str, name_en: str) -> str:
    """A term's name in the active language (Dutch when there is no English),
    for rows read with ``values()``."""
    english = (get_language() or "nl").startswith("en")
    return name_en if english and name_en else name


class EnglishNamed(models.Model):
    """A term with an English name beside its Dutch one: the English interface
    shows it, and an English search finds the term."""

    name_en = models.CharField(
        _("Engelse naam"),
        max_length=200,
        blank=True,
        help_text=_(
            "Naam in het Engels, voor de Engelse versie en Engelse zoekwoorden."
        ),
    )

    class Meta:
        abstract = True

    @property
    def display_name(self) -> str:
        """The name in the active language (Dutch when there is no English)."""
        return in_language(self.name, self.name_en)


class Perceel(EnglishNamed):
    """A procurement lot. Data, not code: lots change with each procurement."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("naam"), max_length=200)
    description = models.TextField(_("omschrijving"), blank=True)
    active = models.BooleanField(_("actief"), default=True)
    position = models.PositiveSmallIntegerField(_("volgorde"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("perceel")
        verbose_name_plural = _("percelen")

    def __str__(self) -> str:
        return self.name


# Search keeps a service's facet terms as bit sets in signed 64-bit integers
# (bits 0..62), so a search filters and counts every facet in one pass over one
# table (selectors.facet_counts). Each term owns one bit: its ``bit_slot``,
# independent of its primary key, which grows without bound as terms come and go.
BIT_SLOTS = 63


def facet_bits(slots) -> int:
    """The bit set of the given slots (0..62)."""
    return sum(1 << slot for slot in set(slots))


class FacetTerm(EnglishNamed):
    """A term of a search facet (stadsdeel, problem area, form, ...).

    ``bit_slot`` is assigned once, when the term is first saved: the lowest slot
    no other term of the same facet holds, so a deleted term's slot is reused.
    A facet has at most ``BIT_SLOTS`` terms; ``clean()`` refuses one more with a
    message naming the field, and ``save()`` raises the same ``ValidationError``
    for code that skips ``full_clean()``. ``save()`` fills only this field of its
    own row; deleting a term goes through ``services.facet_terms_delete`` so the
    search documents forget its bit before another term can take it.
    """

    bit_slot = models.PositiveSmallIntegerField(
        _("zoekpositie"),
        editable=False,
        help_text=_("Vaste plek van deze term in de zoekindex (0 tot en met 62)."),
    )

    class Meta(EnglishNamed.Meta):
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.bit_slot is None:
            slot = self.free_bit_slot()
            if slot is None:
                raise self._full_error()
            self.bit_slot = slot
        super().save(*args, **kwargs)

    def free_bit_slot(self) -> int | None:
        """The lowest slot no other term of this facet holds, or None when full."""
        taken = set(
            type(self).objects.exclude(pk=self.pk).values_list("bit_slot", flat=True)
        )
        return next((slot for slot in range(BIT_SLOTS) if slot not in taken), None)

    def _full_error(self) -> ValidationError:
        message = _(
            "Zoekpositie (bit_slot): %(facet)s kan ten hoogste %(max)s termen hebben "
            "en die zijn allemaal in gebruik. Verwijder eerst een term die niet meer "
            "nodig is."
        )
        params = {"facet": self._meta.verbose_name_plural, "max": BIT_SLOTS}
        return ValidationError(message, code="facet_full", params=params)

    def clean(self) -> None:
        super().clean()
        if self.bit_slot is None and self.free_bit_slot() is None:
            raise self._full_error()


def _facet_constraints(prefix: str) -> list:
    return [
        models.UniqueConstraint(fields=["bit_slot"], name=f"{prefix}_bit_slot_unique"),
        models.CheckConstraint(
            condition=Q(bit_slot__lt=BIT_SLOTS), name=f"{prefix}_bit_slot_range"
        ),
    ]


class District(FacetTerm):
    """A stadsdeel of the municipality."""

    name = models.CharField(_("naam"), max_length=100, unique=True)
    slug = models.SlugField(_("code"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("stadsdeel")
        verbose_name_plural = _("stadsdelen")
        constraints = _facet_constraints("district")

    def __str__(self) -> str:
        return self.name


class ProblemArea(FacetTerm):
    """A problem area (problematiek) a service addresses; a small taxonomy."""

    slug = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("naam"), max_length=120, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("probleemgebied")
        verbose_name_plural = _("probleemgebieden")
        constraints = _facet_constraints("problemarea")

    def __str__(self) -> str:
        return self.name


class DeliveryForm(FacetTerm):
    """How help is given (vorm): ambulant, groep, online, thuis, op school, ..."""

    slug = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("naam"), max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("vorm")
        verbose_name_plural = _("vormen")
        constraints = _facet_constraints("deliveryform")

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """Every organisation: providers, referrers, schools and the municipality."""

    class Kind(models.TextChoices):
        HOOFDAANBIEDER = "hoofdaanbieder", _("Hoofdaanbieder")
        ONDERAANNEMER = "onderaannemer", _("Onderaannemer")
        JGZ = "jgz", _("Jeugdgezondheidszorg (JGZ)")
        HUISARTS = "huisartsenpraktijk", _("Huisartsenpraktijk")
        GI = "gi", _("Gecertificeerde instelling")
        ZIEKENHUIS = "ziekenhuis", _("Ziekenhuis (medisch specialist)")
        WIJKTEAM = "wijkteam", _("Wijkteam")
        SCHOOL = "school", _("School")
        GEMEENTE = "gemeente", _("Gemeente")

    PROVIDER_KINDS = (Kind.HOOFDAANBIEDER, Kind.ONDERAANNEMER)
    REFERRER_KINDS = (Kind.JGZ, Kind.HUISARTS, Kind.GI, Kind.ZIEKENHUIS, Kind.WIJKTEAM)

    name = models.CharField(_("naam"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    kind = models.CharField(
        _("soort"), max_length=30, choices=Kind.choices, db_index=True
    )
    kvk = models.CharField(
        _("KvK-nummer"), max_length=8, blank=True, validators=[v.validate_kvk]
    )
    agb = models.CharField(
        _("AGB-code"), max_length=8, blank=True, validators=[v.validate_agb]
    )
    description = models.TextField(
        _("omschrijving"), blank=True, validators=[v.validate_no_bsn]
    )
    website = models.URLField(_("website"), blank=True)
    phone = models.CharField(
        _("telefoon"), max_length=20, blank=True, validators=[v.validate_phone]
    )
    email = models.EmailField(_("e-mail"), blank=True)
    active = models.BooleanField(_("actief"), default=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")
        constraints = [
            models.UniqueConstraint(
                fields=["kvk"], condition=~Q(kvk=""), name="organisation_kvk_unique"
            ),
            models.CheckConstraint(
                condition=Q(kvk="") | Q(kvk__regex=v.KVK_PATTERN),
                name="organisation_kvk_8_digits",
            ),
            models.CheckConstraint(
                condition=Q(agb="") | Q(agb__regex=v.AGB_PATTERN),
                name="organisation_agb_8_digits",
            ),
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=v.PHONE_PATTERN),
                name="organisation_phone_format",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "hoofdaanbieder",
                        "onderaannemer",
                        "jgz",
                        "huisartsenpraktijk",
                        "gi",
                        "ziekenhuis",
                        "wijkteam",
                        "school",
                        "gemeente",
                    ]
                ),
                name="organisation_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["hoofdaanbieder", "onderaannemer"]) | ~Q(kvk=""),
                name="organisation_provider_has_kvk",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:organisation-detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        super().clean()
        if self.is_provider and not self.kvk:
            raise ValidationError(
                {"kvk": _("Een aanbieder heeft een KvK-nummer nodig.")}
            )

    @property
    def is_provider(self) -> bool:
        return self.kind in self.PROVIDER_KINDS

    @property
    def is_referrer(self) -> bool:
        return self.kind in self.REFERRER_KINDS

    @property
    def is_municipality(self) -> bool:
        return self.kind == self.Kind.GEMEENTE

    def holds_perceel(self, perceel: "Perceel") -> bool:
        """Whether this provider may offer services in ``perceel``.

        A hoofdaanbieder holds the lots it has a contract for; an onderaannemer
        those it is subcontracted for under a hoofdaanbieder's contract.
        """
        if self.kind == self.Kind.HOOFDAANBIEDER:
            return self.contracts.filter(perceel=perceel).exists()
        if self.kind == self.Kind.ONDERAANNEMER:
            return self.subcontracts.filter(contract__perceel=perceel).exists()
        return False


class Contract(models.Model):
    """A hoofdaanbieder holds a perceel for a period."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("hoofdaanbieder"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    perceel = models.ForeignKey(
        Perceel,
        verbose_name=_("perceel"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    start_date = models.DateField(_("ingangsdatum"))
    end_date = models.DateField(_("einddatum"), null=True, blank=True)

    class Meta:
        ordering = ["organisation__name", "perceel__position"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracten")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "perceel", "start_date"],
                name="contract_unique_per_period",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="contract_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.perceel}"

    def clean(self) -> None:
        super().clean()
        if (
            self.organisation_id
            and self.organisation.kind != Organisation.Kind.HOOFDAANBIEDER
        ):
            raise ValidationError(
                {
                    "organisation": _(
                        "Alleen een hoofdaanbieder kan een contract houden."
                    )
                }
            )


class Subcontract(models.Model):
    """An onderaannemer works under a hoofdaanbieder's contract for its perceel.

    Pointing at the contract (not at organisation + perceel) makes "the hoofdaanbieder
    holds the perceel" a foreign key the database enforces.
    """

    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract van de hoofdaanbieder"),
        on_delete=models.PROTECT,
        related_name="subcontracts",
    )
    subcontractor = models.ForeignKey(
        Organisation,
        verbose_name=_("onderaannemer"),
        on_delete=models.PROTECT,
        related_name="subcontracts",
    )
    start_date = models.DateField(_("ingangsdatum"), null=True, blank=True)
    end_date = models.DateField(_("einddatum"), null=True, blank=True)

    class Meta:
        verbose_name = _("onderaanneming")
        verbose_name_plural = _("onderaannemingen")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "subcontractor"], name="subcontract_unique"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="subcontract_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subcontractor} → {self.contract}"

    def clean(self) -> None:
        super().clean()
        errors = {}
        if (
            self.subcontractor_id
            and self.subcontractor.kind != Organisation.Kind.ONDERAANNEMER
        ):
            errors["subcontractor"] = _(
                "Alleen een onderaannemer kan onderaannemer zijn."
            )
        if self.contract_id and self.subcontractor_id == self.contract.organisation_id:
            errors["subcontractor"] = _(
                "Een aanbieder kan niet zijn eigen onderaannemer zijn."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def main_contractor(self) -> Organisation:
        return self.contract.organisation

    @property
    def perceel(self) -> Perceel:
        return self.contract.perceel


class Location(models.Model):
    """A vestiging: where an organisation receives families."""

    # The address as the BAG keeps it, in the order it is written.
    ADDRESS_FIELDS = (
        "street",
        "house_number",
        "house_letter",
        "house_number_addition",
        "postcode",
        "city",
    )

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisatie"),
        on_delete=models.CASCADE,
        related_name="locations",
    )
    name = models.CharField(_("naam"), max_length=200)
    is_main = models.BooleanField(_("hoofdvestiging"), default=False)
    # The address as the BAG (Basisregistratie Adressen en Gebouwen) keeps it;
    # ``address`` composes the street line for display and export.
    street = models.CharField(_("straat"), max_length=200, blank=True)
    house_number = models.PositiveIntegerField(
        _("huisnummer"), null=True, blank=True, validators=[v.validate_house_number]
    )
    house_letter = models.CharField(
        _("huisletter"), max_length=1, blank=True, validators=[v.validate_house_letter]
    )
    house_number_addition = models.CharField(
        _("toevoeging"),
        max_length=4,
        blank=True,
        validators=[v.validate_house_number_addition],
    )
    postcode = models.CharField(
        _("postcode"), max_length=7, blank=True, validators=[v.validate_postcode]
    )
    city = models.CharField(_("plaats"), max_length=100, blank=True)
    district = models.ForeignKey(
        District,
        verbose_name=_("stadsdeel"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="locations",
    )
    phone = models.CharField(
        _("telefoon"), max_length=20, blank=True, validators=[v.validate_phone]
    )
    latitude = models.DecimalField(
        _("breedtegraad"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[v.validate_latitude_nl],
    )
    longitude = models.DecimalField(
        _("lengtegraad"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[v.validate_longitude_nl],
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_main", "name"]
        verbose_name = _("locatie")
        verbose_name_plural = _("locaties")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(is_main=True),
                name="location_one_main_per_organisation",
            ),
            models.CheckConstraint(
                condition=Q(postcode="") | Q(postcode__regex=v.POSTCODE_PATTERN),
                name="location_postcode_format",
            ),
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=v.PHONE_PATTERN),
                name="location_phone_format",
            ),
            models.CheckConstraint(
                condition=Q(house_number__isnull=True)
                | Q(
                    house_number__gte=v.HOUSE_NUMBER_MIN,
                    house_number__lte=v.HOUSE_NUMBER_MAX,
                ),
                name="location_house_number_range",
            ),
            models.CheckConstraint(
                condition=Q(house_letter="")
                | Q(house_letter__regex=v.HOUSE_LETTER_PATTERN),
                name="location_house_letter_format",
            ),
            models.CheckConstraint(
                condition=Q(house_number_addition="")
                | Q(house_number_addition__regex=v.HOUSE_NUMBER_ADDITION_PATTERN),
                name="location_house_number_addition_format",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__gte=v.NL_LATITUDE[0],
                    latitude__lte=v.NL_LATITUDE[1],
                    longitude__gte=v.NL_LONGITUDE[0],
                    longitude__lte=v.NL_LONGITUDE[1],
                ),
                name="location_coordinates_in_netherlands",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    @property
    def address(self) -> str:
        """The street line as the BAG writes it: "Kalkovenweg 12A-2"."""
        return v.compose_address_line(
            self.street,
            self.house_number,
            self.house_letter,
            self.house_number_addition,
        )

    @property
    def full_address(self) -> str:
        """ "Kalkovenweg 12A-2, 1356 TL Almere", leaving out what is unknown."""
        place = " ".join(part for part in (self.postcode, self.city) if part)
        return ", ".join(part for part in (self.address, place) if part)

    def clean(self) -> None:
        super().clean()
        if self.postcode:
            self.postcode = v.normalise_postcode(self.postcode)
        self.house_letter = (self.house_letter or "").strip().upper()
        self.house_number_addition = (self.house_number_addition or "").strip()
        v.validate_location_address_parts(
            house_number=self.house_number,
            house_letter=self.house_letter,
            house_number_addition=self.house_number_addition,
            latitude=self.latitude,
            longitude=self.longitude,
        )


_AGE_VALIDATORS = [MinValueValidator(v.AGE_MIN), MaxValueValidator(v.AGE_MAX)]


class Service(models.Model):
    """Aanbod: what an organisation offers within a perceel."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("aanbieder"),
        on_delete=models.PROTECT,
        related_name="services",
    )
    perceel = models.ForeignKey(
        Perceel,
        verbose_name=_("perceel"),
        on_delete=models.PROTECT,
        related_name="services",
    )
    name = models.CharField(_("naam"), max_length=200, validators=[v.validate_no_bsn])
    description = models.TextField(
        _("omschrijving"), blank=True, validators=[v.validate_no_bsn]
    )
    age_min = models.PositiveSmallIntegerField(
        _("leeftijd van"), default=v.AGE_MIN, validators=_AGE_VALIDATORS
    )
    age_max = models.PositiveSmallIntegerField(
        _("leeftijd tot en met"), default=17, validators=_AGE_VALIDATORS
    )
    problem_areas = models.ManyToManyField(
        ProblemArea, verbose_name=_("problematiek"), blank=True, related_name="services"
    )
    forms = models.ManyToManyField(
        DeliveryForm, verbose_name=_("vorm"), blank=True, related_name="services"
    )
    districts = models.ManyToManyField(
        District, verbose_name=_("stadsdelen"), blank=True, related_name="services"
    )
    locations = models.ManyToManyField(
        Location, verbose_name=_("locaties"), blank=True, related_name="services"
    )
    how_to_refer = models.TextField(
        _("hoe verwijzen"), blank=True, validators=[v.validate_no_bsn]
    )
    intake_phone = models.CharField(
        _("telefoon intake"), max_length=20, blank=True, validators=[v.validate_phone]
    )
    intake_email = models.EmailField(_("e-mail intake"), blank=True)
    active = models.BooleanField(_("actief"), default=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)
    # The search document: derived data, written only by
    # services.service_refresh_search. search_text is lower-case and accent-free
    # (SQLite matching, trigram typo tolerance); search_vector is PostgreSQL's
    # weighted tsvector in the dutch_unaccent configuration (NULL on SQLite).
    # The search document also holds the service's districts, problem areas and
    # forms as bit sets (bit n = the term with bit_slot n), so a search filters and
    # counts all facets in one pass over one table (see selectors.facet_counts).
    search_text = models.TextField(_("zoektekst"), blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    search_district_bits = models.BigIntegerField(default=0, editable=False)
    search_problem_bits = models.BigIntegerField(default=0, editable=False)
    search_form_bits = models.BigIntegerField(default=0, editable=False)
    # Copies of the capacity's "has room" and total waiting weeks, kept by a
    # database trigger on registry_capacity (migration 0003), so searches filter,
    # count and sort without joining the capacity table.
    search_open = models.BooleanField(default=False, editable=False)
    search_total_wait = models.PositiveSmallIntegerField(null=True, editable=False)
    history = HistoricalRecords(
        excluded_fields=[
            "updated_at",
            "search_text",
            "search_vector",
            "search_district_bits",
            "search_problem_bits",
            "search_form_bits",
            "search_open",
            "search_total_wait",
        ]
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("aanbod")
        verbose_name_plural = _("aanbod")
        indexes = [
            # The alternatives for a declined referral: a perceel's open
            # services, shortest wait first (referrals.selectors).
            models.Index(
                F("perceel"),
                Coalesce(F("search_total_wait"), Value(0)),
                F("name"),
                F("id"),
                name="service_alternatives_rank",
                condition=Q(active=True, search_open=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"],
                name="service_unique_name_per_organisation",
            ),
            models.CheckConstraint(
                condition=Q(age_min__gte=v.AGE_MIN, age_min__lte=v.AGE_MAX)
                & Q(age_max__gte=v.AGE_MIN, age_max__lte=v.AGE_MAX),
                name="service_age_within_0_23",
            ),
            models.CheckConstraint(
                condition=Q(age_min__lte=models.F("age_max")),
                name="service_age_min_le_max",
            ),
            models.CheckConstraint(
                condition=Q(intake_phone="") | Q(intake_phone__regex=v.PHONE_PATTERN),
                name="service_intake_phone_format",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        # A search result names it a few times (its link, each map pin).
        known = self.__dict__.get("_url")
        if known is None or known[0] != self.pk:
            url = reverse("registry:service-detail", kwargs={"pk": self.pk})
            known = self.__dict__["_url"] = (self.pk, url)
        return known[1]

    def clean(self) -> None:
        super().clean()
        v.validate_age_range(self.age_min, self.age_max)
        if self.organisation_id and self.perceel_id:
            if not self.organisation.is_provider:
                raise ValidationError(
                    {"organisation": _("Alleen een aanbieder kan aanbod hebben.")}
                )
            if not self.organisation.holds_perceel(self.perceel):
                raise ValidationError(
                    {
                        "perceel": _(
                            "%(org)s heeft geen contract of onderaanneming "
                            "voor %(perceel)s."
                        )
                        % {"org": self.organisation, "perceel": self.perceel}
                    }
                )


class CapacityQuerySet(models.QuerySet):
    def stale(self, days: int | None = None):
        days = settings.CAPACITY_STALE_DAYS if days is None else days
        return self.filter(updated_at__lt=timezone.now() - timedelta(days=days))

    def accepting(self):
        return self.filter(status=Capacity.Status.OPEN)


_WAIT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(v.WAIT_WEEKS_MAX)]


class Capacity(models.Model):
    """The current room and waiting times of one service, as its provider reports them.

    ``version`` increases on every change and is the ETag for lost-update checks.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        WAITLIST = "waitlist", _("Wachtlijst")
        CLOSED = "closed", _("Aanmeldstop")

    service = models.OneToOneField(
        Service,
        verbose_name=_("aanbod"),
        on_delete=models.CASCADE,
        related_name="capacity",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    intake_wait_weeks = models.PositiveSmallIntegerField(
        _("aanmeldwachttijd (weken)"),
        null=True,
        blank=True,
        validators=_WAIT_VALIDATORS,
    )
    treatment_wait_weeks = models.PositiveSmallIntegerField(
        _("behandelwachttijd (weken)"),
        null=True,
        blank=True,
        validators=_WAIT_VALIDATORS,
    )
    free_places = models.PositiveIntegerField(
        _("vrije plekken"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100000)],
    )
    note = models.TextField(
        _("toelichting"), blank=True, max_length=1000, validators=[v.validate_no_bsn]
    )
    updated_at = models.DateTimeField(
        _("bijgewerkt op"), default=timezone.now, db_index=True
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("bijgewerkt door"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("versie"), default=1)
    history = HistoricalRecords()

    objects = CapacityQuerySet.as_manager()

    class Meta:
        verbose_name = _("capaciteit")
        verbose_name_plural = _("capaciteit")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "waitlist", "closed"]),
                name="capacity_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(intake_wait_weeks__isnull=True)
                | Q(intake_wait_weeks__gte=0, intake_wait_weeks__lte=v.WAIT_WEEKS_MAX),
                name="capacity_intake_wait_0_260",
            ),
            models.CheckConstraint(
                condition=Q(treatment_wait_weeks__isnull=True)
                | Q(
                    treatment_wait_weeks__gte=0,
                    treatment_wait_weeks__lte=v.WAIT_WEEKS_MAX,
                ),
                name="capacity_treatment_wait_0_260",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service}: {self.get_status_display()}"

    def validate_constraints(self, exclude=None) -> None:
        # The CheckConstraints restate the field validators (status choices,
        # 0-260 weeks), which full_clean() has run by now, and the database
        # enforces them on save; Django would check each again with a query.
        return

    def clean(self) -> None:
        super().clean()
        if self.intake_wait_weeks is not None and not (
            0 <= self.intake_wait_weeks <= v.WAIT_WEEKS_MAX
        ):
            return  # the field's own error says what is wrong
        v.validate_capacity_coherent(
            status=self.status,
            free_places=self.free_places,
            intake_wait_weeks=self.intake_wait_weeks,
            intake_norm_weeks=norms.regular_weeks()["intake"],
        )

    @property
    def total_wait_weeks(self) -> int | None:
        if self.intake_wait_weeks is None and self.treatment_wait_weeks is None:
            return None
        return (self.intake_wait_weeks or 0) + (self.treatment_wait_weeks or 0)

    @property
    def is_stale(self) -> bool:
        limit = timedelta(days=settings.CAPACITY_STALE_DAYS)
        return self.updated_at < timezone.now() - limit

    @property
    def etag(self) -> str:
        return f'"{self.pk}-{self.version}"'


class Membership(models.Model):
    """A user belongs to an organisation with a role; permissions derive from it."""

    class Role(models.TextChoices):
        STAFF = "staff", _("Medewerker")
        ADMIN = "admin", _("Beheerder")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("gebruiker"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisatie"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(
        _("rol"), max_length=10, choices=Role.choices, default=Role.STAFF
    )
    # Provider staff who want a mail on every new, urgent or withdrawn referral
    # to their organisation (besides the organisation's intake address).
    notify_referrals = models.BooleanField(
        _("mail bij nieuwe verwijzingen"), default=False
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("lidmaatschap")
        verbose_name_plural = _("lidmaatschappen")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="membership_unique"
            ),
            models.CheckConstraint(
                condition=Q(role__in=["staff", "admin"]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.get_role_display()})"


class ApiToken(models.Model):
    """A per-organisation key for the organisation's own systems. Only a hash is
    stored. A key acts for its organisation and only within its ``scopes``
    (docs/api.md, "Scopes"); it stops working when revoked or past ``expires_at``.
    Several keys may be valid at once, so a key is rotated without downtime:
    make the new one, switch the system over, revoke the old one."""

    SCOPE_CATALOGUE_READ = "catalogue:read"
    SCOPE_CATALOGUE_WRITE = "catalogue:write"
    SCOPE_CAPACITY_WRITE = "capacity:write"
    SCOPE_REFERRALS_CREATE = "referrals:create"
    SCOPE_REFERRALS_READ = "referrals:read"
    SCOPE_EVENTS_WRITE = "events:write"
    SCOPE_IJW = "ijw"
    SCOPE_LABELS = {
        SCOPE_CATALOGUE_READ: _("Sociale kaart lezen"),
        SCOPE_CATALOGUE_WRITE: _("Eigen locaties bijwerken"),
        SCOPE_CAPACITY_WRITE: _("Capaciteit en wachttijden bijwerken"),
        SCOPE_REFERRALS_CREATE: _("Verwijzen"),
        SCOPE_REFERRALS_READ: _("Verwijzingen lezen"),
        SCOPE_EVENTS_WRITE: _("Stappen vastleggen (ook intrekken)"),
        SCOPE_IJW: _("iJw-berichten aanleveren"),
    }

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisatie"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("omschrijving"), max_length=100)
    prefix = models.CharField(_("begin van de sleutel"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("aangemaakt door"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("laatst gebruikt"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    expires_at = models.DateTimeField(_("geldig tot"), null=True, blank=True)
    # Space-separated, sorted scopes (SCOPE_*); which a kind may hold:
    # ``registry.permissions.token_scopes_allowed``.
    scopes = models.CharField(_("bevoegdheden"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API-sleutel")
        verbose_name_plural = _("API-sleutels")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    def has_scope(self, scope: str) -> bool:
        return scope in self.scope_list


class CapacityReminder(models.Model):
    """One stale-capacity reminder sent to an organisation for one period."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="capacity_reminders"
    )
    period = models.CharField(_("periode"), max_length=20)
    service_count = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(_("verstuurd op"), default=timezone.now)

    class Meta:
        verbose_name = _("herinnering capaciteit")
        verbose_name_plural = _("herinneringen capaciteit")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "period"],
                name="capacity_reminder_once_per_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.period}"


class ThesaurusEntry(models.Model):
    """A relation between two search terms that the municipality keeps.

    A synonym works both ways (ADHD <-> aandachtstekortstoornis); a narrower
    term is found when the broader is searched, not the other way round
    (gedrag -> agressie). Applied at query time on both databases and shown as
    "ook gezocht op ..." (selectors.search_prepare).
    """

    class Relation(models.TextChoices):
        SYNONYM = "synoniem", _("synoniem (beide kanten op)")
        NARROWER = "smaller", _("smaller begrip (zoeken op de term vindt ook dit)")

    term = models.CharField(_("term"), max_length=100)
    related = models.CharField(_("verwante term"), max_length=100)
    relation = models.CharField(
        _("relatie"), max_length=10, choices=Relation.choices, default=Relation.SYNONYM
    )

    class Meta:
        ordering = ["term", "related"]
        verbose_name = _("thesaurusterm")
        verbose_name_plural = _("thesaurus")
        constraints = [
            models.UniqueConstraint(
                fields=["term", "related"], name="thesaurus_term_related_unique"
            )
        ]

    def __str__(self) -> str:
        arrow = "↔" if self.relation == self.Relation.SYNONYM else "→"
        return f"{self.term} {arrow} {self.related}"

    def clean(self) -> None:
        super().clean()
        self.term = " ".join(self.term.split())
        self.related = " ".join(self.related.split())
        from registry.search_text import tokens

        for name in ("term", "related"):
            if not tokens(getattr(self, name)):
                raise ValidationError(
                    {name: _("Vul een woord in (letters of cijfers).")}
                )
        if tokens(self.term) == tokens(self.related):
            raise ValidationError(
                {"related": _("De verwante term is gelijk aan de term.")}
            )
