"""Seed the reference data the catalogue import matches against.

Percelen, stadsdelen, forms of help and a starting taxonomy of problem areas are
data (they change per procurement); municipality staff maintain them in the admin.
"""

from django.db import migrations

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


def seed(apps, schema_editor):
    Perceel = apps.get_model("registry", "Perceel")
    District = apps.get_model("registry", "District")
    DeliveryForm = apps.get_model("registry", "DeliveryForm")
    ProblemArea = apps.get_model("registry", "ProblemArea")
    for code, name, position in PERCELEN:
        Perceel.objects.update_or_create(
            code=code, defaults={"name": name, "position": position}
        )
    for slug, name in DISTRICTS:
        District.objects.update_or_create(slug=slug, defaults={"name": name})
    for slug, name in FORMS:
        DeliveryForm.objects.update_or_create(slug=slug, defaults={"name": name})
    for slug, name in PROBLEM_AREAS:
        ProblemArea.objects.update_or_create(slug=slug, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
