"""Code lists from the iJw standard (iStandaard Jeugdwet, release 3.2) used by the
referral tracker, so the API speaks the codes provider systems already know.
The lists follow the Zorginstituut's iJw 3.2 code lists (COD327, JZ588, JZ020;
https://www.istandaarden.nl/ijw); check them there before relying on an exact code.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReferrerType(models.TextChoices):
    """COD327 Code verwijzer (iJw 3.2), the codes of the referrers that refer here.

    Only iJw codes: the local kind of referrer (wijkteam, JGZ nurse, ...) is a
    ``ReferrerRole``, which maps to one of these."""

    GEMEENTE = "01", _("Gemeente")
    HUISARTS = "02", _("Huisarts")
    JEUGDARTS = "03", _("Jeugdarts")
    GI = "04", _("Gecertificeerde instelling")
    MEDISCH_SPECIALIST = "05", _("Medisch specialist")


class ReferrerRole(models.TextChoices):
    """The local kind of referrer: who refers, as Almere knows them."""

    JGZ_TOEGANG = "jgz_toegang", _("JGZ (toegang van de gemeente)")
    JEUGDARTS = "jeugdarts", _("Jeugdarts")
    JEUGDVERPLEEGKUNDIGE = "jeugdverpleegkundige", _("Jeugdverpleegkundige (JGZ)")
    HUISARTS = "huisarts", _("Huisarts of POH-GGZ")
    GI = "gi", _("Gecertificeerde instelling")
    MEDISCH_SPECIALIST = "medisch_specialist", _("Medisch specialist")
    WIJKTEAM = "wijkteam", _("Wijkteam")


# The COD327 code of each local role. JGZ and the wijkteams are the municipality's
# access to youth care (Jeugdwet art. 2.3), so they refer as 01 Gemeente; only
# the jeugdarts has a code of its own.
ROLE_COD327 = {
    ReferrerRole.JGZ_TOEGANG: ReferrerType.GEMEENTE,
    ReferrerRole.JEUGDARTS: ReferrerType.JEUGDARTS,
    ReferrerRole.JEUGDVERPLEEGKUNDIGE: ReferrerType.GEMEENTE,
    ReferrerRole.HUISARTS: ReferrerType.HUISARTS,
    ReferrerRole.GI: ReferrerType.GI,
    ReferrerRole.MEDISCH_SPECIALIST: ReferrerType.MEDISCH_SPECIALIST,
    ReferrerRole.WIJKTEAM: ReferrerType.GEMEENTE,
}


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
