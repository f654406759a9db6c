"""Code lists from the iJw standard (iStandaard Jeugdwet, release 3.2) used by the
referral tracker, so the API speaks the codes provider systems already know.
The lists follow the Zorginstituut's iJw 3.2 code lists (COD327, JZ588, JZ020;
https://www.istandaarden.nl/ijw); check them there before relying on an exact code.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReferrerType(models.TextChoices):
    """COD327 Code verwijzer (the referrer types that refer here) plus wijkteam."""

    GEMEENTE = "01", _("Gemeente (JGZ-toegang)")
    HUISARTS = "02", _("Huisarts")
    JEUGDARTS = "03", _("Jeugdarts")
    GI = "04", _("Gecertificeerde instelling")
    MEDISCH_SPECIALIST = "05", _("Medisch specialist")
    WIJKTEAM = "wijkteam", _("Wijkteam")


class EndReason(models.TextChoices):
    """JZ588 Reden beëindiging (JW307 stop zorg)."""

    OVERLIJDEN = "02", _("Overlijden")
    TIJDELIJK = "20", _("Levering is tijdelijk beëindigd")
    VOLGENS_PLAN = "31", _("Levering is volgens plan beëindigd")
    EENZIJDIG_CLIENT = "32", _("Voortijdig afgesloten: eenzijdig door de cliënt")
    EENZIJDIG_AANBIEDER = "33", _("Voortijdig afgesloten: eenzijdig door de aanbieder")
    IN_OVERLEG = "34", _("Voortijdig afgesloten: in overeenstemming")
    EXTERN = "35", _("Voortijdig afgesloten: wegens externe omstandigheden")
    GEMEENTE = "36", _("Geïnitieerd door de gemeente")
    WIJZIGINGSVERZOEK = "37", _("In verband met wijzigingsverzoek")
    ANDERE_AANBIEDER = "38", _("Overstap naar andere aanbieder")
    ANDER_DOMEIN = "39", _("Uitstroom naar ander domein")


class DeclineReason(models.TextChoices):
    """Why a provider declines a referral (no iJw list covers this step)."""

    NO_CAPACITY = "no_capacity", _("Geen capaciteit")
    NOT_RIGHT_HELP = "not_right_help", _("Niet de juiste hulp")
    OUTSIDE_AGE = "outside_age", _("Buiten de leeftijdsgrens")
    NO_CONTACT = "no_contact", _("Geen contact met het gezin")
    FAMILY_DECLINED = "family_declined", _("Gezin ziet af van hulp")
    OTHER = "other", _("Anders")


class Urgency(models.TextChoices):
    REGULAR = "regular", _("Regulier")
    URGENT = "urgent", _("Met spoed")


class ConsentBy(models.TextChoices):
    PARENT = "parent", _("Ouder of voogd")
    YOUTH = "youth", _("Jeugdige")
    BOTH = "both", _("Ouder en jeugdige")
