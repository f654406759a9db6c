"""Reference data the catalogue matches against: percelen, stadsdelen, forms of
help and a starting taxonomy of problem areas.

They are data, not code (lots change with each procurement); municipality staff
maintain them in the admin. Migration 0002 seeds them; tests restore them after
a transactional test flushed the database.
"""

PERCELEN = [
    ("begeleiding", "Begeleiding", 1),
    ("behandeling-psychiatrie", "Behandeling psychiatrie (jeugd-GGZ)", 2),
    ("behandeling-lvb", "Behandeling LVB", 3),
]
DISTRICTS = [
    ("almere-stad", "Almere Stad"),
    ("almere-haven", "Almere Haven"),
    ("almere-buiten", "Almere Buiten"),
    ("almere-hout", "Almere Hout"),
    ("almere-poort", "Almere Poort"),
    ("almere-pampus", "Almere Pampus"),
    ("oosterwold", "Oosterwold"),
]
FORMS = [
    ("ambulant", "Ambulant"),
    ("groep", "Groep"),
    ("online", "Online"),
    ("thuis", "Thuis"),
    ("op-school", "Op school"),
    ("dagbehandeling", "Dagbehandeling"),
]
PROBLEM_AREAS = [
    ("adhd", "ADHD"),
    ("angst", "Angst"),
    ("autisme", "Autisme"),
    ("depressie", "Depressie"),
    ("eetproblemen", "Eetproblemen"),
    ("gedrag", "Gedrag"),
    ("gezinsrelaties", "Gezinsrelaties"),
    ("hechting", "Hechting"),
    ("lvb", "Licht verstandelijke beperking"),
    ("middelengebruik", "Middelengebruik"),
    ("opvoeding", "Opvoeding"),
    ("ontwikkeling", "Ontwikkeling"),
    ("psychose", "Psychose"),
    ("rouw", "Rouw en verlies"),
    ("scheiding", "Scheiding"),
    ("school-en-leren", "School en leren"),
    ("slaapproblemen", "Slaapproblemen"),
    ("sociale-vaardigheden", "Sociale vaardigheden"),
    ("trauma", "Trauma"),
    ("weerbaarheid", "Weerbaarheid en zelfbeeld"),
    ("zelfbeschadiging", "Zelfbeschadiging en suïcidaliteit"),
]


# English names (code or slug -> name): the English interface shows them and
# an English search finds the term.
ENGLISH_NAMES = {
    "begeleiding": "Support and guidance",
    "behandeling-psychiatrie": "Treatment: youth mental health care",
    "behandeling-lvb": "Treatment: mild intellectual disability",
    "ambulant": "Outpatient",
    "groep": "Group",
    "online": "Online",
    "thuis": "At home",
    "op-school": "At school",
    "dagbehandeling": "Day treatment",
    "adhd": "ADHD",
    "angst": "Anxiety",
    "autisme": "Autism",
    "depressie": "Depression",
    "eetproblemen": "Eating problems",
    "gedrag": "Behaviour",
    "gezinsrelaties": "Family relationships",
    "hechting": "Attachment",
    "lvb": "Mild intellectual disability",
    "middelengebruik": "Substance use",
    "opvoeding": "Parenting",
    "ontwikkeling": "Development",
    "psychose": "Psychosis",
    "rouw": "Grief and loss",
    "scheiding": "Divorce and separation",
    "school-en-leren": "School and learning",
    "slaapproblemen": "Sleep problems",
    "sociale-vaardigheden": "Social skills",
    "trauma": "Trauma",
    "weerbaarheid": "Resilience and self-image",
    "zelfbeschadiging": "Self-harm and suicidality",
}

# The thesaurus's starting set: (term, related term, relation). "synoniem" works
# both ways; "smaller": searching the term also finds the narrower related term.
THESAURUS = [
    ("adhd", "aandachtstekortstoornis", "synoniem"),
    ("add", "aandachtstekortstoornis", "synoniem"),
    ("adhd", "add", "smaller"),
    ("somber", "depressie", "synoniem"),
    ("somberheid", "depressie", "synoniem"),
    ("neerslachtig", "depressie", "synoniem"),
    ("lvb", "licht verstandelijke beperking", "synoniem"),
    ("scheiding", "echtscheiding", "synoniem"),
    ("vechtscheiding", "scheiding", "synoniem"),
    ("angststoornis", "angst", "synoniem"),
    ("gedragsstoornis", "gedrag", "synoniem"),
    ("hechtingsstoornis", "hechting", "synoniem"),
    ("slaapstoornis", "slaapproblemen", "synoniem"),
    ("sova", "sociale vaardigheden", "synoniem"),
    ("cgt", "cognitieve gedragstherapie", "synoniem"),
    ("diagnose", "diagnostiek", "synoniem"),
    ("onderzoek", "diagnostiek", "synoniem"),
    ("angstig", "angst", "synoniem"),
    ("bang", "angst", "synoniem"),
    ("fobie", "angst", "synoniem"),
    ("paniek", "angst", "synoniem"),
    ("ass", "autisme", "synoniem"),
    ("autismespectrumstoornis", "autisme", "synoniem"),
    ("pdd nos", "autisme", "synoniem"),
    ("ptss", "trauma", "synoniem"),
    ("posttraumatische stress", "trauma", "synoniem"),
    ("emdr", "trauma", "synoniem"),
    ("mishandeling", "trauma", "smaller"),
    ("huiselijk geweld", "trauma", "synoniem"),
    ("verslaving", "middelengebruik", "synoniem"),
    ("drugs", "middelengebruik", "synoniem"),
    ("alcohol", "middelengebruik", "synoniem"),
    ("blowen", "middelengebruik", "synoniem"),
    ("middelengebruik", "gamen", "smaller"),
    ("zelfmoord", "suicidaliteit", "synoniem"),
    ("suicide", "suicidaliteit", "synoniem"),
    ("snijden", "zelfbeschadiging", "synoniem"),
    ("automutilatie", "zelfbeschadiging", "synoniem"),
    ("anorexia", "eetproblemen", "synoniem"),
    ("boulimia", "eetproblemen", "synoniem"),
    ("eetstoornis", "eetproblemen", "synoniem"),
    ("slapen", "slaapproblemen", "synoniem"),
    ("slaap", "slaapproblemen", "synoniem"),
    ("agressie", "gedrag", "synoniem"),
    ("gedrag", "agressie", "smaller"),
    ("boos", "agressie", "synoniem"),
    ("driftbuien", "gedrag", "synoniem"),
    ("opvoedondersteuning", "opvoeding", "synoniem"),
    ("opvoedingsvragen", "opvoeding", "synoniem"),
    ("pesten", "weerbaarheid", "synoniem"),
    ("gepest", "weerbaarheid", "synoniem"),
    ("zelfbeeld", "weerbaarheid", "synoniem"),
    ("faalangst", "angst", "synoniem"),
    ("rouwverwerking", "rouw", "synoniem"),
    ("overlijden", "rouw", "synoniem"),
    ("hechtingsproblemen", "hechting", "synoniem"),
    ("dyslexie", "school en leren", "synoniem"),
    ("leerproblemen", "school en leren", "synoniem"),
    ("schoolverzuim", "school en leren", "synoniem"),
    ("thuiszitter", "school en leren", "synoniem"),
    ("ggz", "psychiatrie", "synoniem"),
    ("jeugd ggz", "psychiatrie", "synoniem"),
    ("psychose", "psychotisch", "synoniem"),
    ("vriendschap", "sociale vaardigheden", "synoniem"),
    ("ontwikkelingsachterstand", "ontwikkeling", "synoniem"),
    ("mentor", "begeleiding", "synoniem"),
    ("gezin", "gezinsrelaties", "smaller"),
    ("ouders", "gezin", "synoniem"),
    ("divorce", "scheiding", "synoniem"),
    ("anxious", "angst", "synoniem"),
    ("sad", "depressie", "synoniem"),
    ("bullying", "weerbaarheid", "synoniem"),
    ("addiction", "middelengebruik", "synoniem"),
    ("dyslexia", "dyslexie", "synoniem"),
    ("eating disorder", "eetproblemen", "synoniem"),
    ("self harm", "zelfbeschadiging", "synoniem"),
    ("family", "gezin", "synoniem"),
    ("parents", "ouders", "synoniem"),
    ("child", "kind", "synoniem"),
    ("children", "kinderen", "synoniem"),
    ("support", "begeleiding", "synoniem"),
    ("treatment", "behandeling", "synoniem"),
    ("therapy", "therapie", "synoniem"),
]


def seed_english(*term_models) -> None:
    """Fill the English names that are still empty (idempotent)."""
    for model in term_models:
        key = "code" if hasattr(model, "code") else "slug"
        for term in model.objects.filter(name_en=""):
            name_en = ENGLISH_NAMES.get(getattr(term, key), "")
            if name_en:
                model.objects.filter(pk=term.pk).update(name_en=name_en)


def seed_thesaurus(thesaurus_model) -> None:
    """Add the starting set of thesaurus entries that are missing."""
    for term, related, relation in THESAURUS:
        if term == related:
            continue
        thesaurus_model.objects.get_or_create(
            term=term, related=related, defaults={"relation": relation}
        )


def seed(perceel_model, district_model, form_model, problem_area_model) -> None:
    """Create or update the reference rows (idempotent)."""
    for code, name, position in PERCELEN:
        perceel_model.objects.update_or_create(
            code=code, defaults={"name": name, "position": position}
        )
    for slug, name in DISTRICTS:
        district_model.objects.update_or_create(slug=slug, defaults={"name": name})
    for slug, name in FORMS:
        form_model.objects.update_or_create(slug=slug, defaults={"name": name})
    for slug, name in PROBLEM_AREAS:
        problem_area_model.objects.update_or_create(slug=slug, defaults={"name": name})


def ensure() -> None:
    """Seed the reference data when it is missing (e.g. after a database flush).

    Sequences restart at 1 first, as after ``migrate``, so ids stay as a fresh
    database has them (search does not depend on them: terms have bit slots).
    """
    from django.core.management.color import no_style
    from django.db import connection

    from registry.models import (
        DeliveryForm,
        District,
        Perceel,
        ProblemArea,
        ThesaurusEntry,
    )

    if not ThesaurusEntry.objects.exists():
        seed_thesaurus(ThesaurusEntry)
    if Perceel.objects.exists() and District.objects.exists():
        return
    models = [Perceel, District, DeliveryForm, ProblemArea]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
    seed(Perceel, District, DeliveryForm, ProblemArea)
    seed_english(Perceel, DeliveryForm, ProblemArea)
