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

    from registry.models import DeliveryForm, District, Perceel, ProblemArea

    if Perceel.objects.exists() and District.objects.exists():
        return
    models = [Perceel, District, DeliveryForm, ProblemArea]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
    seed(Perceel, District, DeliveryForm, ProblemArea)
