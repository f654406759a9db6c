"""The fictional Almere of the demo: names, places, services and demo log-ins.

All invented: KvK numbers start with 99, addresses are on made-up streets with
real-looking Almere postcodes, e-mail and web addresses use ``example.org`` and
phone numbers are 036 555 numbers.
"""

from dataclasses import dataclass

from registry.models import Capacity, Organisation

DEFAULT_SEED = 2026
DEMO_PASSWORD = "demo-almere-2026"  # noqa: S105 - documented; DEBUG only
CHANGE_REASON = "demodata"
HOOFDAANBIEDER_COUNT = 43
ONDERAANNEMER_COUNT = 80
BEGELEIDING, PSYCHIATRIE, LVB = (
    "begeleiding",
    "behandeling-psychiatrie",
    "behandeling-lvb",
)
Kind = Organisation.Kind

HOOFD_CORES = (
    "Voorbeeld Jeugdhulp", "Luchtkasteel", "Proefpolder", "Denkbeeld", "Zandkasteel",
    "Wolkenveld", "Vliegerwind", "Droomeiland", "Oefenpad", "Schetsboek", "Blauwdruk",
    "Maquette", "Kladblok", "Puzzelstuk", "Windvaan", "Zeepbel", "Knikkerbaan",
    "Tekentafel", "Krijtbord", "Zonnewijzer", "Papiermolen", "Tolletje", "Hinkelpad",
    "Ballonvaart", "Speelkwartier", "Bouwdoos", "Kleurpotlood", "Waterrad",
    "Zwaluwstaart", "Lichtbaken", "Rekenraam", "Slingerpad", "Vergezicht", "Rimpeling",
    "Dijkpaal", "Poldermolen", "Wilgentak", "Kiezelsteen", "Zeilvlinder", "Koolmees",
    "Duizendpoot", "Klimrek", "Vlieger",
)  # fmt: skip
# Name patterns by main perceel; the first hoofdaanbieder is "Stichting Voorbeeld
# Jeugdhulp" (the demo log-ins belong to it).
HOOFD_PATTERNS = {
    BEGELEIDING: ("Stichting {}", "{} Gezinsbegeleiding", "Stichting {} Jeugd & Gezin"),
    PSYCHIATRIE: ("{} Jeugd-GGZ", "Praktijk {} Kinderpsychologie", "{} Psychotherapie"),
    LVB: ("{} LVB-zorg", "Stichting {} Ontwikkeling"),
}
# Main perceel per hoofdaanbieder: begeleiding is the largest lot, LVB the smallest.
MAIN_PERCEEL_CYCLE = (
    BEGELEIDING,
    PSYCHIATRIE,
    BEGELEIDING,
    LVB,
    PSYCHIATRIE,
    BEGELEIDING,
)
ONDER_TYPES = (
    "Praktijk", "Jeugdpraktijk", "Gezinscoaching", "Therapiepraktijk",
    "Begeleidingsbureau", "Kindercoach", "Zorgboerderij", "Trainingsbureau",
)  # fmt: skip
ONDER_CORES = (
    "Voorbeeld", "Fictief", "Denkbeeld", "Proefwijk", "Schetsboek", "Verzinsel",
    "Droomwolk", "Kladversie", "Luchtspiegeling", "Oefenkamer",
)  # fmt: skip

# Stadsdeel: (postcode range, latitude range, longitude range), all inside Almere.
DISTRICT_GEO = {
    "almere-stad": ((1311, 1328), (52.362, 52.385), (5.190, 5.245)),
    "almere-haven": ((1351, 1359), (52.328, 52.345), (5.200, 5.235)),
    "almere-buiten": ((1331, 1336), (52.385, 52.405), (5.245, 5.300)),
    "almere-hout": ((1341, 1343), (52.345, 52.365), (5.245, 5.290)),
    "almere-poort": ((1361, 1364), (52.340, 52.360), (5.130, 5.175)),
    "almere-pampus": ((1338, 1339), (52.395, 52.415), (5.175, 5.225)),
    "oosterwold": ((1345, 1346), (52.320, 52.360), (5.290, 5.340)),
}
# No S in the letters, so never SA, SD or SS (not issued as postcodes).
POSTCODE_LETTERS = "ABCEGHJKLMNPRTVWXZ"
STREETS = (
    "Voorbeeldstraat", "Proefweg", "Schetslaan", "Ontwerpplein", "Tekenpad",
    "Kladweg", "Maquettestraat", "Blauwdrukhof", "Ideeënlaan", "Concepthof",
)  # fmt: skip


@dataclass(frozen=True)
class ServiceTemplate:
    name: str
    problems: tuple[str, ...]
    forms: tuple[str, ...]
    age_min: int
    age_max: int
    description: str


def _parse_templates(text: str) -> tuple[ServiceTemplate, ...]:
    """Blocks of ``name; ages; problem areas; forms`` and an indented description."""
    templates = []
    for block in text.strip().split("\n\n"):
        header, *description = block.splitlines()
        name, ages, problems, forms = (part.strip() for part in header.split(";"))
        age_min, age_max = (int(age) for age in ages.split("-"))
        templates.append(
            ServiceTemplate(
                name=name,
                problems=tuple(problems.split()),
                forms=tuple(forms.split()),
                age_min=age_min,
                age_max=age_max,
                description=" ".join(line.strip() for line in description),
            )
        )
    return tuple(templates)


TEMPLATES = {
    BEGELEIDING: _parse_templates("""
Ambulante gezinsbegeleiding; 0-17; opvoeding gezinsrelaties gedrag; thuis ambulant
    Een vaste begeleider komt bij het gezin thuis en werkt met ouders en kinderen aan
    rust, structuur en opvoedvaardigheden.

Individuele begeleiding jongeren; 12-17; weerbaarheid school-en-leren; ambulant
    Begeleiding één op één voor jongeren die vastlopen thuis, op school of met vrienden.

Opvoedondersteuning jonge kinderen; 0-6; opvoeding hechting slaapproblemen; thuis
    Praktische steun voor ouders van baby's, peuters en kleuters, bijvoorbeeld bij
    slapen, huilen en grenzen stellen.

Sociale vaardigheidstraining in groep; 8-14; sociale-vaardigheden weerbaarheid; groep
    Groepstraining van tien bijeenkomsten waarin kinderen oefenen met samenwerken, nee
    zeggen en voor zichzelf opkomen.

Begeleiding op school; 4-17; school-en-leren gedrag; op-school
    Een begeleider werkt in de klas en met de intern begeleider, zodat het kind op
    school kan blijven meedoen.

Begeleiding bij scheiding; 4-17; scheiding gezinsrelaties rouw; ambulant groep
    Steun voor kinderen en ouders tijdens en na een scheiding, individueel of in een
    kindergroep.

Naschoolse groep; 6-17; autisme sociale-vaardigheden ontwikkeling; groep
    Een vaste groep na schooltijd met structuur, ontspanning en oefenen met sociale
    situaties.

Kamertraining 16+; 16-23; weerbaarheid sociale-vaardigheden; ambulant thuis
    Begeleiding naar zelfstandig wonen vanaf 16 jaar; verlengde jeugdhulp tot 23 jaar
    is mogelijk.

Weerbaarheidstraining; 10-16; weerbaarheid angst; groep
    Training voor kinderen die gepest worden of weinig zelfvertrouwen hebben.

Online opvoedcoaching; 0-17; opvoeding gezinsrelaties; online
    Korte coaching voor ouders via beeldbellen, ook 's avonds.

Begeleiding bij autisme; 4-17; autisme gedrag sociale-vaardigheden; thuis ambulant
    Begeleiding thuis voor kinderen met autisme en hun ouders: voorspelbaarheid,
    overprikkeling en plannen.

Rouwbegeleiding kinderen; 4-17; rouw; ambulant groep
    Begeleiding van kinderen en jongeren na het overlijden van een ouder, broer, zus of
    vriend.
"""),
    PSYCHIATRIE: _parse_templates("""
Behandeling angst en somberheid; 8-17; angst depressie; ambulant online
    Cognitieve gedragstherapie voor kinderen en jongeren met angst- of
    stemmingsklachten, met de ouders erbij betrokken.

ADHD-diagnostiek en behandeling; 6-17; adhd gedrag school-en-leren; ambulant
    Onderzoek naar aandachts- en concentratieproblemen, gevolgd door oudertraining,
    psycho-educatie en zo nodig medicatie.

Traumabehandeling (EMDR); 4-17; trauma angst; ambulant
    Traumagerichte behandeling met EMDR of traumagerichte cognitieve gedragstherapie.

Autismediagnostiek; 2-17; autisme ontwikkeling; ambulant
    Diagnostisch onderzoek bij een vermoeden van autisme, met advies voor thuis en
    school.

Behandeling eetproblemen; 12-23; eetproblemen depressie; ambulant dagbehandeling
    Behandeling van anorexia, boulimia en eetbuien, samen met de huisarts of
    kinderarts.

Dagbehandeling jeugd-GGZ; 12-17; depressie angst zelfbeschadiging; dagbehandeling
    Intensieve behandeling op doordeweekse dagen, met onderwijs op de locatie.

Online behandeling voor jongeren; 12-23; angst depressie slaapproblemen; online
    Behandeling via een beveiligde app en beeldbellen, met af en toe een afspraak op
    locatie.

Gezinstherapie; 0-17; gezinsrelaties gedrag hechting; ambulant thuis
    Systeemtherapie met het hele gezin bij vastgelopen patronen en conflicten.

Behandeling zelfbeschadiging (DGT); 14-23; zelfbeschadiging depressie; ambulant groep
    Dialectische gedragstherapie voor jongeren die zichzelf beschadigen of aan
    zelfdoding denken.

Vroege interventie psychose; 15-23; psychose; ambulant thuis
    Snelle behandeling en begeleiding bij een eerste psychose, ook thuis.

Ouder-kindbehandeling jonge kinderen; 0-5; hechting ontwikkeling opvoeding; ambulant
    Behandeling van de band tussen ouder en jong kind bij huil-, slaap- of
    hechtingsproblemen.

Behandeling middelengebruik; 13-23; middelengebruik gedrag; ambulant
    Behandeling bij problematisch gebruik van alcohol, cannabis of gamen.
"""),
    LVB: _parse_templates("""
Ambulante behandeling LVB; 4-23; lvb gedrag; ambulant thuis
    Behandeling voor kinderen en jongeren met een licht verstandelijke beperking en
    gedragsproblemen.

Gedragstherapie bij LVB; 6-17; lvb gedrag sociale-vaardigheden; ambulant
    Gedragstherapie in eenvoudige taal, met veel herhaling en oefenen in het dagelijks
    leven.

Ouderschapsondersteuning bij LVB; 0-17; lvb opvoeding; thuis
    Steun thuis voor ouders met of van een kind met een licht verstandelijke beperking.

Sociale vaardigheidstraining LVB; 10-23; lvb sociale-vaardigheden weerbaarheid; groep
    Groepstraining voor jongeren met een LVB: grenzen aangeven, vriendschappen en
    online veiligheid.

Dagbehandeling LVB; 4-12; lvb ontwikkeling gedrag; dagbehandeling
    Dagbehandeling in kleine groepen voor kinderen met een ontwikkelingsachterstand en
    gedragsproblemen.

Traumabehandeling bij LVB; 8-23; lvb trauma; ambulant
    Traumabehandeling aangepast aan het niveau van de jongere.

Zelfstandigheidstraining LVB 16+; 16-23; lvb weerbaarheid; thuis groep
    Oefenen met geld, plannen en wonen voor jongeren met een LVB, tot 23 jaar.

Behandeling LVB en middelengebruik; 14-23; lvb middelengebruik; ambulant
    Behandeling van middelengebruik bij jongeren met een licht verstandelijke
    beperking.

Vroegbehandeling ontwikkelingsachterstand; 0-6; lvb ontwikkeling; dagbehandeling thuis
    Behandeling voor jonge kinderen met een ontwikkelingsachterstand, samen met de
    ouders.
"""),
}
EXTRA_SENTENCES = (
    "Wij werken in heel Almere en kunnen ook op school of thuis afspreken.",
    "Ouders zijn altijd welkom bij een kennismakingsgesprek.",
    "Ons team bestaat uit ervaren jeugdprofessionals (SKJ-geregistreerd).",
    "Wij werken samen met de JGZ en het wijkteam in de buurt.",
    "Een afspraak na schooltijd is mogelijk.",
)
HOW_TO_REFER = {
    BEGELEIDING: (
        "Verwijzing via de JGZ, het wijkteam of de huisarts. Na de verwijzing nemen wij"
        " contact op met het gezin voor een kennismaking.",
        "Bel of mail de intake; een verwijzing van de JGZ of de huisarts is nodig."
        " Ouders mogen ook zelf bellen voor informatie.",
    ),
    PSYCHIATRIE: (
        "Een verwijzing van de huisarts, jeugdarts, medisch specialist of"
        " gecertificeerde instelling is nodig. Stuur de verwijsbrief beveiligd naar de"
        " intake; wij bellen het gezin binnen twee weken.",
        "Verwijzen kan door de huisarts of de JGZ. Voeg eerdere verslagen toe als"
        " die er zijn; dat versnelt de intake.",
    ),
    LVB: (
        "Verwijzing meestal via de JGZ, met een uitgebreidere intake. Neem bij twijfel"
        " eerst telefonisch contact op met ons intaketeam.",
        "Verwijzing via de JGZ of de huisarts. Wij plannen een intake thuis, samen met"
        " de ouders en zo nodig de school.",
    ),
}
CAPACITY_NOTES = {
    Capacity.Status.OPEN: ("", "", "Groepen starten elke maand."),
    Capacity.Status.WAITLIST: (
        "",
        "Wachtlijst vooral voor behandeling na schooltijd.",
        "Bij spoed: bel de intake, wij kijken naar overbruggingszorg.",
    ),
    Capacity.Status.CLOSED: (
        "Tijdelijke aanmeldstop wegens personeelstekort.",
        "Aanmeldstop tot de wachtlijst korter is; verwijs bij spoed door naar de JGZ.",
    ),
}
REFERRERS = (
    ("JGZ Almere", Kind.JGZ),
    ("Huisartsenpraktijk Voorbeeld Haven", Kind.HUISARTS),
    ("Huisartsenpraktijk De Proefpolder", Kind.HUISARTS),
    ("Huisartsen Denkbeeld Buiten", Kind.HUISARTS),
    ("Gezondheidscentrum Schetsboek Poort", Kind.HUISARTS),
    ("Gecertificeerde Instelling Voorbeeld Flevoland", Kind.GI),
    ("Voorbeeldziekenhuis Almere", Kind.ZIEKENHUIS),
    ("Wijkteam Voorbeeld Almere Stad", Kind.WIJKTEAM),
    ("Basisschool De Voorbeeldboom", Kind.SCHOOL),
    ("OBS Het Luchtkasteel", Kind.SCHOOL),
    ("SBO De Proefpolder", Kind.SCHOOL),
    ("Voorbeeld College Almere", Kind.SCHOOL),
    ("Gemeente Almere", Kind.GEMEENTE),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    organisation: str  # slug
    role: str
    label: str
    is_staff: bool = False


DEMO_LOGINS = (
    DemoLogin("gemeente", "gemeente-almere", "staff", "gemeente (ook /admin/)", True),
    DemoLogin("aanbieder", "stichting-voorbeeld-jeugdhulp", "staff", "hoofdaanbieder"),
    DemoLogin(
        "aanbieder-beheer",
        "stichting-voorbeeld-jeugdhulp",
        "admin",
        "hoofdaanbieder, beheerder",
    ),
    DemoLogin("onderaannemer", "praktijk-voorbeeld", "staff", "onderaannemer"),
    DemoLogin("jgz", "jgz-almere", "staff", "verwijzer JGZ"),
    DemoLogin(
        "huisarts", "huisartsenpraktijk-voorbeeld-haven", "staff", "verwijzer huisarts"
    ),
    DemoLogin("school", "basisschool-de-voorbeeldboom", "staff", "school"),
)
