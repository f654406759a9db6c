"""export_catalogue: the contract list out, in the format import_catalogue reads."""

from io import StringIO

from django.core.management import call_command

import pytest

from registry import exporting
from registry.models import (
    Capacity,
    Contract,
    DeliveryForm,
    District,
    Location,
    Membership,
    Organisation,
    Perceel,
    ProblemArea,
    Service,
    Subcontract,
)
from tests import factories


def export(tmp_path, prefix="eerste"):
    orgs, svcs = tmp_path / f"{prefix}-org.csv", tmp_path / f"{prefix}-aanbod.csv"
    out, err = StringIO(), StringIO()
    call_command("export_catalogue", str(orgs), str(svcs), stdout=out, stderr=err)
    return orgs, svcs, out.getvalue(), err.getvalue()


def wipe_catalogue():
    for model in (Capacity, Service, Subcontract, Contract, Location, Membership):
        model.objects.all().delete()
    Organisation.objects.all().delete()


@pytest.fixture
def catalogue(provider_org, subcontractor_org, service, subcontractor_service):
    """The standard cast plus a main location, links and varied capacity."""
    lvb = Perceel.objects.get(code="behandeling-lvb")
    factories.ContractFactory(organisation=provider_org, perceel=lvb)
    factories.LocationFactory(organisation=provider_org, is_main=True)
    factories.LocationFactory(
        organisation=subcontractor_org,
        is_main=True,
        postcode="1351 AB",
        district=District.objects.get(slug="oosterwold"),
    )
    service.problem_areas.set(ProblemArea.objects.filter(slug__in=["rouw", "adhd"]))
    service.forms.set(DeliveryForm.objects.filter(slug__in=["thuis", "groep"]))
    service.districts.set(
        District.objects.filter(slug__in=["oosterwold", "almere-stad"])
    )
    service.description = "Twee regels;\nmet scheidingsteken"
    service.save()
    Capacity.objects.filter(service=subcontractor_service).update(
        status="closed", intake_wait_weeks=None, treatment_wait_weeks=None
    )
    factories.ServiceFactory(
        organisation=provider_org, perceel=lvb, name="LVB", capacity__free_places=2
    )
    return provider_org, subcontractor_org


def test_it_writes_the_import_format(tmp_path, catalogue):
    provider, sub = catalogue

    orgs, svcs, out, _err = export(tmp_path)

    assert orgs.read_bytes().startswith(b"\xef\xbb\xbfkvk;naam;rol;hoofdaanbieder_kvk;")
    lines = orgs.read_bytes().decode("utf-8-sig").splitlines()
    assert lines[1:] == [
        f"{provider.kvk};{provider.name};hoofdaanbieder;;begeleiding|behandeling-lvb"
        ";;;;;Stadhuisplein 1;1315 HR;Almere;Almere Stad",
        f"{sub.kvk};{sub.name};onderaannemer;{provider.kvk};begeleiding;;;;;"
        "Stadhuisplein 1;1351 AB;Almere;Oosterwold",
    ]
    assert "3 organisaties" not in out and "2 organisaties en 3 aanbod" in out


def test_services_are_written_with_sorted_lists_and_dutch_status(
    tmp_path, catalogue, service, subcontractor_service
):
    provider, sub = catalogue

    _orgs, svcs, _out, _err = export(tmp_path)

    text = svcs.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0] == ";".join(exporting.SERVICE_COLUMNS)
    assert (
        f'{provider.kvk};{service.name};begeleiding;"Twee regels;\nmet '
        'scheidingsteken";4;17;adhd|rouw;groep|thuis;Almere Stad|Oosterwold;;;'
        "open;2;4;\r\n"
    ) in text
    assert f"{provider.kvk};LVB;behandeling-lvb;" in text
    assert text.endswith(
        f"{sub.kvk};{subcontractor_service.name};begeleiding;Ambulante begeleiding "
        "voor gezinnen.;4;17;;;;;;aanmeldstop;;;\r\n"
    )


def test_export_import_export_gives_identical_files(tmp_path, catalogue):
    first_orgs, first_svcs, _out, _err = export(tmp_path)
    wipe_catalogue()

    call_command(
        "import_catalogue", str(first_orgs), str(first_svcs), stdout=StringIO()
    )
    second_orgs, second_svcs, _out, _err = export(tmp_path, prefix="tweede")

    assert Service.objects.count() == 3
    assert second_orgs.read_bytes() == first_orgs.read_bytes()
    assert second_svcs.read_bytes() == first_svcs.read_bytes()


def test_reimporting_an_export_only_links_services_to_main_locations(
    tmp_path, catalogue, service
):
    orgs, svcs, _out, _err = export(tmp_path)
    first, second = StringIO(), StringIO()

    call_command("import_catalogue", str(orgs), str(svcs), stdout=first)
    call_command("import_catalogue", str(orgs), str(svcs), stdout=second)

    assert first.getvalue().splitlines() == [
        "Organisaties: 0 nieuw, 0 gewijzigd, 2 ongewijzigd",
        "Hoofdlocaties: 0 nieuw, 0 gewijzigd, 2 ongewijzigd",
        "Contracten: 0 nieuw, 0 gewijzigd, 2 ongewijzigd",
        "Onderaannemingen: 0 nieuw, 0 gewijzigd, 1 ongewijzigd",
        "Aanbod: 0 nieuw, 3 gewijzigd, 0 ongewijzigd",
        "Capaciteit: 0 nieuw, 0 gewijzigd, 3 ongewijzigd",
    ]
    assert list(service.locations.values_list("is_main", flat=True)) == [True]
    assert "Niets veranderd." in second.getvalue()


def test_inactive_services_and_non_providers_are_left_out(
    tmp_path, service, referrer_org, subcontractor_service
):
    subcontractor_service.active = False
    subcontractor_service.save()
    referrer_org.kvk = "40000001"
    referrer_org.save()

    orgs, svcs, _out, _err = export(tmp_path)

    assert "40000001" not in orgs.read_bytes().decode("utf-8-sig")
    assert len(svcs.read_bytes().decode("utf-8-sig").splitlines()) == 2


def test_an_onderaannemer_under_two_hoofdaanbieders_is_written_with_a_warning(
    tmp_path, subcontractor_org, provider_org, outsider_org, perceel
):
    contract = Contract.objects.get(organisation=outsider_org, perceel=perceel)
    Subcontract.objects.create(contract=contract, subcontractor=subcontractor_org)

    orgs, _svcs, _out, err = export(tmp_path)

    first = min(provider_org.kvk, outsider_org.kvk)  # equal percelen: lowest KvK
    assert f";onderaannemer;{first};begeleiding;" in orgs.read_text(
        encoding="utf-8-sig"
    )
    assert err.splitlines() == [
        f"Onderaannemer {subcontractor_org.kvk} ({subcontractor_org.name}) werkt onder "
        f"meerdere hoofdaanbieders ({provider_org.kvk}, {outsider_org.kvk}); alleen "
        f"{first} staat in het bestand."
    ]


def test_an_empty_catalogue_gives_headers_only(tmp_path, db):
    orgs, svcs, out, _err = export(tmp_path)

    assert orgs.read_bytes().decode("utf-8-sig").splitlines() == [
        ";".join(exporting.ORGANISATION_COLUMNS)
    ]
    assert len(svcs.read_bytes().decode("utf-8-sig").splitlines()) == 1
    assert "0 organisaties en 0 aanbod geschreven." in out


HOSTILE = {
    "naam": '=HYPERLINK("https://example.invalid","klik")',
    "omschrijving": "+1+cmd|' /C calc'!A0",
    "adres": "@SUM(A1:A2)",
    "plaats": "-2+3",
    "aanbod": " =1+1",
    "onderaannemer": "'al met apostrof",
}


@pytest.fixture
def hostile_catalogue(catalogue, provider_org, subcontractor_org, service):
    """Provider-editable text that a spreadsheet would run as a formula."""
    provider_org.name = HOSTILE["naam"]
    provider_org.save()
    subcontractor_org.name = HOSTILE["onderaannemer"]
    subcontractor_org.save()
    Location.objects.filter(organisation=provider_org, is_main=True).update(
        street=HOSTILE["adres"], house_number=None, city=HOSTILE["plaats"]
    )
    service.description = HOSTILE["omschrijving"]
    service.name = HOSTILE["aanbod"]
    service.save()
    return catalogue


def read_rows(path) -> list[dict]:
    import csv

    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(StringIO(text, newline=""), delimiter=";"))


def test_no_exported_cell_starts_a_formula(
    tmp_path, hostile_catalogue, provider_org, subcontractor_org
):
    orgs, svcs, _out, _err = export(tmp_path)

    org = next(r for r in read_rows(orgs) if r["kvk"] == provider_org.kvk)
    assert (org["naam"], org["adres"], org["plaats"]) == (
        "'" + HOSTILE["naam"],
        "'" + HOSTILE["adres"],
        "'" + HOSTILE["plaats"],
    )
    service = next(r for r in read_rows(svcs) if r["omschrijving"].startswith("'+"))
    assert service["omschrijving"] == "'" + HOSTILE["omschrijving"]
    # Written stripped (as every cell is), then escaped.
    assert service["aanbod"] == "'=1+1"
    sub = next(r for r in read_rows(orgs) if r["kvk"] == subcontractor_org.kvk)
    assert sub["naam"] == "''al met apostrof"
    for row in read_rows(orgs) + read_rows(svcs):
        for cell in row.values():
            assert not cell.lstrip().startswith(("=", "+", "-", "@")), cell


def test_escaped_cells_are_read_back_as_the_original_text(
    tmp_path, hostile_catalogue, provider_org, subcontractor_org
):
    first_orgs, first_svcs, _out, _err = export(tmp_path)
    wipe_catalogue()

    call_command(
        "import_catalogue", str(first_orgs), str(first_svcs), stdout=StringIO()
    )
    second_orgs, second_svcs, _out, _err = export(tmp_path, prefix="tweede")

    imported = Organisation.objects.get(kvk=provider_org.kvk)
    assert imported.name == HOSTILE["naam"]
    main = imported.locations.get(is_main=True)
    assert (main.address, main.city) == (HOSTILE["adres"], HOSTILE["plaats"])
    service = Service.objects.get(organisation=imported, name="=1+1")
    assert service.description == HOSTILE["omschrijving"]
    sub = Organisation.objects.get(kvk=subcontractor_org.kvk)
    assert sub.name == HOSTILE["onderaannemer"]
    assert second_orgs.read_bytes() == first_orgs.read_bytes()
    assert second_svcs.read_bytes() == first_svcs.read_bytes()
