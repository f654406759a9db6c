"""Facet terms get a bit slot of their own (0..62), independent of their primary
key; the services' stored facet bit sets are rebuilt from those slots.

Before this, bit n stood for the term with id n, so once ids passed 62 (terms
added and removed in the admin, sequences that never go back) search silently
left its one-pass path. Existing terms get slots 0, 1, ... in id order.
"""

from django.db import migrations, models
from django.db.models import Q

FACETS = (
    # model, Service m2m field, through column, Service bit field
    ("District", "districts", "district_id", "search_district_bits"),
    ("ProblemArea", "problem_areas", "problemarea_id", "search_problem_bits"),
    ("DeliveryForm", "forms", "deliveryform_id", "search_form_bits"),
)
BIT_SLOTS = 63


def assign_slots(apps, schema_editor):
    for model_name, *_rest in FACETS:
        model = apps.get_model("registry", model_name)
        terms = list(model.objects.order_by("pk"))
        if len(terms) > BIT_SLOTS:
            raise RuntimeError(
                f"{model_name} has {len(terms)} terms; search holds at most "
                f"{BIT_SLOTS}. Remove unused ones, then migrate again."
            )
        for slot, term in enumerate(terms):
            term.bit_slot = slot
        model.objects.bulk_update(terms, ["bit_slot"])


def rebuild_bits(apps, schema_editor):
    service_model = apps.get_model("registry", "Service")
    bits = {pk: {} for pk in service_model.objects.values_list("pk", flat=True)}
    for model_name, m2m, column, field in FACETS:
        model = apps.get_model("registry", model_name)
        slot_of = dict(model.objects.values_list("pk", "bit_slot"))
        through = service_model._meta.get_field(m2m).remote_field.through
        for service_id, term_id in through.objects.values_list("service_id", column):
            row = bits[service_id]
            row[field] = row.get(field, 0) | (1 << slot_of[term_id])
    fields = [field for *_rest, field in FACETS]
    rows = []
    for pk, values in bits.items():
        service = service_model(pk=pk)
        for name in fields:
            setattr(service, name, values.get(name, 0))
        rows.append(service)
    service_model.objects.bulk_update(rows, fields, batch_size=2000)


def slot_field(null: bool):
    return models.PositiveSmallIntegerField(
        editable=False,
        null=null,
        verbose_name="zoekpositie",
        help_text="Vaste plek van deze term in de zoekindex (0 tot en met 62).",
    )


def constraints(model_name: str, prefix: str):
    return [
        migrations.AddConstraint(
            model_name=model_name,
            constraint=models.UniqueConstraint(
                fields=("bit_slot",), name=f"{prefix}_bit_slot_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name=model_name,
            constraint=models.CheckConstraint(
                condition=Q(bit_slot__lt=BIT_SLOTS), name=f"{prefix}_bit_slot_range"
            ),
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_service_wait_order_index"),
    ]

    operations = [
        *[
            migrations.AddField(
                model_name=name, name="bit_slot", field=slot_field(True)
            )
            for name in ("district", "problemarea", "deliveryform")
        ],
        migrations.RunPython(assign_slots, migrations.RunPython.noop),
        *[
            migrations.AlterField(
                model_name=name, name="bit_slot", field=slot_field(False)
            )
            for name in ("district", "problemarea", "deliveryform")
        ],
        *constraints("district", "district"),
        *constraints("problemarea", "problemarea"),
        *constraints("deliveryform", "deliveryform"),
        migrations.RunPython(rebuild_bits, migrations.RunPython.noop),
    ]
