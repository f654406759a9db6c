"""import_catalogue: the municipality's contract list in, all or nothing."""

import datetime
import re
from io import StringIO

from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

import pytest

from registry import importing, services
from registry.models import (
    Capacity,
    Contract,
    District,
    Location,
    Organisation,
    Perceel,
    Service,
    Subcontract,
)
from tests import factories

ORG_DEFAULTS = dict.fromkeys(importing.ORGANISATION_COLUMNS, "")
SERVICE_DEFAULTS = dict.fromkeys(importing.SERVICE_COLUMNS, "") | {
    "perceel": "begeleiding",
    "leeftijd_van": "4",
    "leeftijd_tot": "17",
    "status": "open",
}
MAIN = {
    "kvk": "30000001",
    "naam": "Hoofd Zorg Almere",
    "rol": "hoofdaanbieder",
    "percelen": "begeleiding|behandeling-lvb",
    "agb": "12345678",
    "website": "https://hoofdzorg.example.org",
    "telefoon": "036 123 45 67",
    "email": "info@hoofdzorg.example.org",
    "adres": "Stadhuisplein 1",
    "postcode": "1315hr",
    "plaats": "Almere",
    "stadsdeel": "stad",
}
SUB = {
    "kvk": "30000002",
    "naam": "Kleine Hulp",
    "rol": "onderaannemer",
    "hoofdaanbieder_kvk": "30000001",
    "percelen": "begeleiding",
    "stadsdeel": "Oosterwold",
}
FAMILY = {
    "kvk": "30000001",
    "aanbod": "Gezinsbegeleiding",
    "omschrijving": "Begeleiding thuis.",
    "problematiek": "opvoeding|Gedrag",
    "vorm": "ambulant|Thuis",
    "stadsdelen": "stad|Almere Haven",
    "intake_telefoon": "036 765 43 21",
    "intake_email": "intake@hoofdzorg.example.org",
    "aanmeldwachttijd_weken": "2",
    "behandelwachttijd_weken": "4",
    "vrije_plekken": "3",
}
LVB = {
    "kvk": "30000001",
    "aanbod": "LVB-behandeling",
    "perceel": "behandeling-lvb",
    "leeftijd_van": "12",
    "leeftijd_tot": "23",
    "status": "aanmeldstop",
}
TRAINING = {
    "kvk": "30000002",
    "aanbod": "Weerbaarheidstraining",
    "leeftijd_van": "8",
    "leeftijd_tot": "14",
    "problematiek": "weerbaarheid",
    "vorm": "groep",
    "stadsdelen": "Oosterwold",
    "status": "wachtlijst",
    "aanmeldwachttijd_weken": "6",
}


def _csv(path, columns, defaults, rows, delimiter=";", encoding="utf-8"):
    lines = [delimiter.join(columns)]
    for row in rows:
        values = defaults | row
        lines.append(delimiter.join(values[column] for column in columns))
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def write_orgs(tmp_path, rows, **kwargs):
    path = tmp_path / "organisaties.csv"
    return _csv(path, importing.ORGANISATION_COLUMNS, ORG_DEFAULTS, rows, **kwargs)


def write_services(tmp_path, rows, **kwargs):
    path = tmp_path / "aanbod.csv"
    return _csv(path, importing.SERVICE_COLUMNS, SERVICE_DEFAULTS, rows, **kwargs)


def run_import(orgs, svcs, *args):
    out, err = StringIO(), StringIO()
    call_command(
        "import_catalogue", str(orgs), str(svcs), *args, stdout=out, stderr=err
    )
    return out.getvalue()


def import_problems(orgs, svcs) -> list[str]:
    err = StringIO()
    with pytest.raises(CommandError, match="er is niets geïmporteerd"):
        call_command(
            "import_catalogue", str(orgs), str(svcs), stdout=StringIO(), stderr=err
        )
    return err.getvalue().splitlines()


def snapshot() -> dict[str, int]:
    """Row counts of every registry table, history and link tables included."""
    models = apps.get_app_config("registry").get_models(include_auto_created=True)
    return {model._meta.label: model.objects.count() for model in models}


@pytest.fixture
def files(tmp_path, db):
    orgs = write_orgs(tmp_path, [MAIN, SUB])
    svcs = write_services(tmp_path, [FAMILY, LVB, TRAINING])
    return orgs, svcs


# --- Happy path ---------------------------------------------------------------------


def test_it_imports_organisations_with_their_role_and_details(files):
    out = run_import(*files)

    assert "Organisaties: 2 nieuw, 0 gewijzigd, 0 ongewijzigd" in out
    main = Organisation.objects.get(kvk="30000001")
    assert (main.name, main.kind, main.agb) == (
        "Hoofd Zorg Almere",
        "hoofdaanbieder",
        "12345678",
    )
    assert main.slug == "hoofd-zorg-almere"
    assert Organisation.objects.get(kvk="30000002").kind == "onderaannemer"


def test_it_creates_contracts_and_subcontracts(files, settings):
    settings.CONTRACT_PERIOD_START = "2024-01-01"
    run_import(*files)

    contracts = Contract.objects.filter(organisation__kvk="30000001")
    assert sorted(c.perceel.code for c in contracts) == [
        "begeleiding",
        "behandeling-lvb",
    ]
    assert {c.start_date for c in contracts} == {datetime.date(2024, 1, 1)}
    sub = Subcontract.objects.get(subcontractor__kvk="30000002")
    assert (sub.contract.organisation.kvk, sub.contract.perceel.code) == (
        "30000001",
        "begeleiding",
    )


def test_it_creates_main_locations_with_normalised_postcode_and_district(files):
    run_import(*files)

    main = Location.objects.get(organisation__kvk="30000001")
    assert (main.name, main.is_main, main.address, main.postcode, main.city) == (
        "Hoofdlocatie",
        True,
        "Stadhuisplein 1",
        "1315 HR",
        "Almere",
    )
    # The file's one "adres" column is stored as the BAG parts.
    assert (main.street, main.house_number, main.house_letter) == (
        "Stadhuisplein",
        1,
        "",
    )
    assert main.district.name == "Almere Stad"
    assert Location.objects.get(organisation__kvk="30000002").district.name == (
        "Oosterwold"
    )


def test_it_creates_services_with_links_and_main_location(files):
    run_import(*files)

    service = Service.objects.get(
        organisation__kvk="30000001", name="Gezinsbegeleiding"
    )
    assert (service.perceel.code, service.age_min, service.age_max) == (
        "begeleiding",
        4,
        17,
    )
    assert service.intake_phone == "036 765 43 21"
    assert sorted(service.problem_areas.values_list("slug", flat=True)) == [
        "gedrag",
        "opvoeding",
    ]
    assert sorted(service.forms.values_list("slug", flat=True)) == ["ambulant", "thuis"]
    assert sorted(service.districts.values_list("name", flat=True)) == [
        "Almere Haven",
        "Almere Stad",
    ]
    assert list(service.locations.all()) == [
        Location.objects.get(organisation__kvk="30000001", is_main=True)
    ]


def test_it_writes_capacity_with_an_import_history_row(files):
    run_import(*files)

    family = Capacity.objects.get(service__name="Gezinsbegeleiding")
    assert (family.status, family.intake_wait_weeks, family.treatment_wait_weeks) == (
        "open",
        2,
        4,
    )
    assert (family.free_places, family.version) == (3, 1)
    lvb = Capacity.objects.get(service__name="LVB-behandeling")
    assert (lvb.status, lvb.intake_wait_weeks, lvb.free_places) == (
        "closed",
        None,
        None,
    )
    assert Capacity.objects.get(service__name="Weerbaarheidstraining").status == (
        "waitlist"
    )
    history = family.history.get()
    assert (history.history_type, history.history_change_reason) == ("+", "import")
    assert history.history_user is None


def test_it_refreshes_the_search_document_of_new_services(files):
    run_import(*files)

    service = Service.objects.get(name="Gezinsbegeleiding")
    assert "gezinsbegeleiding" in service.search_text


def test_it_reports_counts_per_entity(files):
    out = run_import(*files)

    assert out.splitlines()[:6] == [
        "Organisaties: 2 nieuw, 0 gewijzigd, 0 ongewijzigd",
        "Hoofdlocaties: 2 nieuw, 0 gewijzigd, 0 ongewijzigd",
        "Contracten: 2 nieuw, 0 gewijzigd, 0 ongewijzigd",
        "Onderaannemingen: 1 nieuw, 0 gewijzigd, 0 ongewijzigd",
        "Aanbod: 3 nieuw, 0 gewijzigd, 0 ongewijzigd",
        "Capaciteit: 3 nieuw, 0 gewijzigd, 0 ongewijzigd",
    ]


# --- Idempotency, updates, dry run ------------------------------------------------


def test_reimporting_the_same_files_changes_nothing(files):
    run_import(*files)
    before = snapshot()
    versions = dict(Capacity.objects.values_list("pk", "version"))

    out = run_import(*files)

    assert snapshot() == before  # no new rows, no history rows
    assert dict(Capacity.objects.values_list("pk", "version")) == versions
    assert "Aanbod: 0 nieuw, 0 gewijzigd, 3 ongewijzigd" in out
    assert "Niets veranderd." in out


def test_a_changed_waiting_time_writes_one_history_row(tmp_path, files):
    run_import(*files)
    capacity = Capacity.objects.get(service__name="Gezinsbegeleiding")
    changed = FAMILY | {"aanmeldwachttijd_weken": "5"}
    svcs = write_services(tmp_path, [changed, LVB, TRAINING])

    out = run_import(files[0], svcs)

    capacity.refresh_from_db()
    assert (capacity.intake_wait_weeks, capacity.version) == (5, 2)
    latest = capacity.history.order_by("-history_id").first()
    assert (capacity.history.count(), latest.history_change_reason) == (2, "import")
    assert "Capaciteit: 0 nieuw, 1 gewijzigd, 2 ongewijzigd" in out


def test_changed_organisation_and_service_data_are_updated_with_history(
    tmp_path, files
):
    run_import(*files)
    orgs = write_orgs(
        tmp_path, [MAIN | {"naam": "Hoofd Zorg", "postcode": "1315 HS"}, SUB]
    )
    svcs = write_services(tmp_path, [FAMILY | {"vorm": "groep"}, LVB, TRAINING])

    out = run_import(orgs, svcs)

    org = Organisation.objects.get(kvk="30000001")
    assert (org.name, org.slug) == ("Hoofd Zorg", "hoofd-zorg-almere")
    assert org.history.latest().history_change_reason == "import"
    assert Location.objects.get(organisation=org).postcode == "1315 HS"
    service = Service.objects.get(name="Gezinsbegeleiding")
    assert list(service.forms.values_list("slug", flat=True)) == ["groep"]
    assert "Organisaties: 0 nieuw, 1 gewijzigd, 1 ongewijzigd" in out
    assert "Aanbod: 0 nieuw, 1 gewijzigd, 2 ongewijzigd" in out


def test_dry_run_changes_nothing_and_reports_what_would_change(files):
    before = snapshot()

    out = run_import(*files, "--dry-run")

    assert snapshot() == before
    assert "Aanbod: 3 nieuw, 0 gewijzigd, 0 ongewijzigd" in out
    assert "Proefimport (--dry-run): er is niets opgeslagen." in out


def test_the_import_is_additive_for_contracts(tmp_path, provider_org, perceel):
    old = Contract.objects.get(organisation=provider_org)
    old.end_date = datetime.date(2030, 12, 31)
    old.save()
    other = Perceel.objects.get(code="behandeling-lvb")
    factories.ContractFactory(organisation=provider_org, perceel=other)
    row = MAIN | {"kvk": provider_org.kvk, "naam": provider_org.name}
    orgs = write_orgs(tmp_path, [row | {"percelen": "begeleiding"}])

    run_import(orgs, write_services(tmp_path, []))

    contracts = Contract.objects.filter(organisation=provider_org)
    assert sorted(c.perceel.code for c in contracts) == [
        "begeleiding",
        "behandeling-lvb",
    ]
    assert contracts.get(perceel=perceel).end_date == datetime.date(2030, 12, 31)


def test_rows_may_refer_to_organisations_already_in_the_database(
    tmp_path, provider_org, service
):
    sub = SUB | {"hoofdaanbieder_kvk": provider_org.kvk}
    own = FAMILY | {"kvk": provider_org.kvk, "aanbod": service.name}

    run_import(write_orgs(tmp_path, [sub]), write_services(tmp_path, [own, TRAINING]))

    assert Subcontract.objects.get(subcontractor__kvk="30000002").main_contractor == (
        provider_org
    )
    service.capacity.refresh_from_db()
    assert (service.capacity.version, service.capacity.free_places) == (2, 3)
    assert service.capacity.history.latest().history_change_reason == "import"


# --- File format --------------------------------------------------------------------


def test_a_comma_separated_file_imports_like_a_semicolon_one(tmp_path, db):
    orgs = write_orgs(tmp_path, [MAIN, SUB], delimiter=",")
    svcs = write_services(tmp_path, [FAMILY, LVB, TRAINING], delimiter=",")

    run_import(orgs, svcs)

    assert Service.objects.count() == 3
    assert Organisation.objects.get(kvk="30000001").phone == "036 123 45 67"


def test_a_byte_order_mark_is_accepted(tmp_path, db):
    orgs = write_orgs(tmp_path, [MAIN, SUB], encoding="utf-8-sig")
    svcs = write_services(tmp_path, [FAMILY, LVB, TRAINING], encoding="utf-8-sig")

    run_import(orgs, svcs)

    assert Organisation.objects.filter(kvk__in=["30000001", "30000002"]).count() == 2


def test_columns_may_come_in_any_order(tmp_path, db):
    columns = list(reversed(importing.ORGANISATION_COLUMNS))
    orgs = _csv(tmp_path / "o.csv", columns, ORG_DEFAULTS, [MAIN])

    run_import(orgs, write_services(tmp_path, []))

    assert Organisation.objects.get(kvk="30000001").name == "Hoofd Zorg Almere"


@pytest.mark.parametrize(
    "value",
    ["stad", "Almere Stad", "ALMERE STAD", "almere-stad", "  almere   stad "],
)
def test_stadsdeel_matches_with_or_without_almere(tmp_path, db, value):
    run_import(
        write_orgs(tmp_path, [MAIN | {"stadsdeel": value}]),
        write_services(tmp_path, []),
    )

    assert Location.objects.get().district == District.objects.get(name="Almere Stad")


@pytest.mark.parametrize("value", ["Oosterwold", "oosterwold", "OOSTERWOLD"])
def test_oosterwold_matches_without_a_prefix(tmp_path, db, value):
    run_import(
        write_orgs(tmp_path, [MAIN | {"stadsdeel": value}]),
        write_services(tmp_path, []),
    )

    assert Location.objects.get().district.slug == "oosterwold"


def test_problem_areas_and_forms_match_by_slug_or_name(tmp_path, db):
    row = FAMILY | {"problematiek": "ADHD|rouw en verlies", "vorm": "Op School|online"}

    run_import(write_orgs(tmp_path, [MAIN]), write_services(tmp_path, [row]))

    service = Service.objects.get()
    assert sorted(service.problem_areas.values_list("slug", flat=True)) == [
        "adhd",
        "rouw",
    ]
    assert sorted(service.forms.values_list("slug", flat=True)) == [
        "online",
        "op-school",
    ]


def test_blank_lines_are_skipped_and_lines_count_physically(tmp_path, db):
    svcs = write_services(tmp_path, [FAMILY | {"omschrijving": '"Twee\nregels"'}])
    with svcs.open("a") as handle:
        handle.write(";;;;;;;;;;;;;;\n\n")
        handle.write(
            ";".join((SERVICE_DEFAULTS | LVB | {"leeftijd_tot": "x"}).values())
        )

    problems = import_problems(write_orgs(tmp_path, [MAIN]), svcs)

    assert problems == ["aanbod.csv:6: leeftijd_tot: 'x' is geen geheel getal."]


def test_an_empty_capacity_number_is_stored_as_null(tmp_path, db):
    row = FAMILY | {
        "status": "wachtlijst",
        "aanmeldwachttijd_weken": "",
        "vrije_plekken": "",
    }

    run_import(write_orgs(tmp_path, [MAIN]), write_services(tmp_path, [row]))

    capacity = Capacity.objects.get()
    assert (capacity.intake_wait_weeks, capacity.free_places) == (None, None)


# --- Errors: each class with its exact line ---------------------------------------

ORG_ERRORS = [
    (
        {"kvk": "1234567"},
        "organisaties.csv:2: kvk: Een KvK-nummer bestaat uit precies 8 cijfers.",
    ),
    ({"kvk": ""}, "organisaties.csv:2: kvk: Een aanbieder heeft een KvK-nummer nodig."),
    (
        {"rol": "chef"},
        "organisaties.csv:2: rol: Onbekende rol 'chef'; kies hoofdaanbieder of "
        "onderaannemer.",
    ),
    ({"naam": ""}, "organisaties.csv:2: naam: Dit veld kan niet leeg zijn"),
    (
        {"postcode": "0123 AB"},
        "organisaties.csv:2: postcode: Vul een Nederlandse postcode in, zoals 1315 AB.",
    ),
    (
        {"telefoon": "12"},
        "organisaties.csv:2: telefoon: Vul een geldig telefoonnummer in, zoals "
        "036 123 45 67.",
    ),
    (
        {"email": "geen-mail"},
        "organisaties.csv:2: email: Voer een geldig e-mailadres in.",
    ),
    (
        {"stadsdeel": "Lelystad"},
        "organisaties.csv:2: stadsdeel: Onbekend stadsdeel 'Lelystad'; bekend zijn: "
        "Almere Buiten, Almere Haven, Almere Hout, Almere Pampus, Almere Poort, "
        "Almere Stad, Oosterwold.",
    ),
    (
        {"percelen": "begeleiding|wonen"},
        "organisaties.csv:2: percelen: Onbekend perceel 'wonen'; bekend zijn: "
        "begeleiding, behandeling-psychiatrie, behandeling-lvb.",
    ),
    (
        {"hoofdaanbieder_kvk": "30000009"},
        "organisaties.csv:2: hoofdaanbieder_kvk: Vul dit alleen in bij een "
        "onderaannemer.",
    ),
]


@pytest.mark.parametrize(("change", "problem"), ORG_ERRORS)
def test_a_bad_organisation_value_is_reported_with_file_line_and_column(
    tmp_path, db, change, problem
):
    orgs = write_orgs(tmp_path, [MAIN | change])

    assert import_problems(orgs, write_services(tmp_path, [])) == [problem]


SERVICE_ERRORS = [
    (
        {"leeftijd_tot": "24"},
        "aanbod.csv:2: leeftijd_tot: Zorg ervoor dat deze waarde hoogstens 23 is.",
    ),
    (
        {"leeftijd_van": "-1"},
        "aanbod.csv:2: leeftijd_van: Zorg ervoor dat deze waarde minstens 0 is.",
    ),
    (
        {"leeftijd_van": "12", "leeftijd_tot": "4"},
        "aanbod.csv:2: leeftijd_tot: De maximumleeftijd mag niet lager zijn dan de "
        "minimumleeftijd.",
    ),
    ({"leeftijd_van": ""}, "aanbod.csv:2: leeftijd_van: Vul een getal in."),
    (
        {"aanmeldwachttijd_weken": "261"},
        "aanbod.csv:2: aanmeldwachttijd_weken: Zorg ervoor dat deze waarde hoogstens "
        "260 is.",
    ),
    (
        {"behandelwachttijd_weken": "vier"},
        "aanbod.csv:2: behandelwachttijd_weken: 'vier' is geen geheel getal.",
    ),
    (
        {"vrije_plekken": "2.5"},
        "aanbod.csv:2: vrije_plekken: '2.5' is geen geheel getal.",
    ),
    (
        {"status": "dicht"},
        "aanbod.csv:2: status: Onbekende status 'dicht'; kies open, wachtlijst of "
        "aanmeldstop.",
    ),
    (
        {"vorm": "ambulant|paard"},
        "aanbod.csv:2: vorm: Onbekende waarde 'paard'; bekend zijn: ambulant, "
        "dagbehandeling, groep, online, op-school, thuis.",
    ),
    (
        {"problematiek": "zorgen"},
        "aanbod.csv:2: problematiek: Onbekende waarde 'zorgen'; bekend zijn: adhd, "
        "angst, autisme, depressie, eetproblemen, gedrag, gezinsrelaties, hechting, "
        "lvb, middelengebruik, ontwikkeling, opvoeding, psychose, rouw, scheiding, "
        "school-en-leren, slaapproblemen, sociale-vaardigheden, trauma, "
        "weerbaarheid, zelfbeschadiging.",
    ),
    (
        {"stadsdelen": "stad|Noord"},
        "aanbod.csv:2: stadsdelen: Onbekende waarde 'Noord'; bekend zijn: Almere "
        "Buiten, Almere Haven, Almere Hout, Almere Pampus, Almere Poort, Almere "
        "Stad, Oosterwold.",
    ),
    ({"perceel": ""}, "aanbod.csv:2: perceel: Vul een perceel in."),
    (
        {"perceel": "behandeling-psychiatrie"},
        "aanbod.csv:2: perceel: Hoofd Zorg Almere heeft geen contract of "
        "onderaanneming voor behandeling-psychiatrie.",
    ),
    (
        {"kvk": "30000009"},
        "aanbod.csv:2: kvk: Geen organisatie met KvK-nummer 30000009 in "
        "organisaties.csv of in de database.",
    ),
    ({"aanbod": ""}, "aanbod.csv:2: aanbod: Dit veld kan niet leeg zijn"),
    (
        {"intake_email": "intake@"},
        "aanbod.csv:2: intake_email: Voer een geldig e-mailadres in.",
    ),
]


@pytest.mark.parametrize(("change", "problem"), SERVICE_ERRORS)
def test_a_bad_service_value_is_reported_with_file_line_and_column(
    tmp_path, db, change, problem
):
    svcs = write_services(tmp_path, [FAMILY | change])

    assert import_problems(write_orgs(tmp_path, [MAIN]), svcs) == [problem]


def test_an_inactive_perceel_is_refused(tmp_path, db):
    Perceel.objects.filter(code="behandeling-lvb").update(active=False)

    problems = import_problems(
        write_orgs(tmp_path, [MAIN]), write_services(tmp_path, [])
    )

    assert problems == [
        "organisaties.csv:2: percelen: Perceel 'behandeling-lvb' is niet actief."
    ]


def test_duplicate_kvk_in_the_file_is_refused(tmp_path, db):
    orgs = write_orgs(tmp_path, [MAIN, SUB, MAIN | {"naam": "Nog eens"}])

    problems = import_problems(orgs, write_services(tmp_path, []))

    assert problems == [
        "organisaties.csv:4: kvk: KvK-nummer 30000001 staat al op regel 2."
    ]


def test_duplicate_service_for_one_kvk_is_refused(tmp_path, db):
    svcs = write_services(tmp_path, [FAMILY, LVB, FAMILY | {"omschrijving": "Anders"}])

    problems = import_problems(write_orgs(tmp_path, [MAIN]), svcs)

    assert problems == [
        "aanbod.csv:4: aanbod: Aanbod 'Gezinsbegeleiding' van KvK 30000001 staat al "
        "op regel 2."
    ]


def test_an_onderaannemer_needs_a_hoofdaanbieder_holding_its_percelen(tmp_path, db):
    orgs = write_orgs(
        tmp_path,
        [
            MAIN | {"percelen": "begeleiding"},
            SUB | {"hoofdaanbieder_kvk": ""},
            SUB | {"kvk": "30000003", "percelen": "behandeling-lvb"},
            SUB | {"kvk": "30000004", "hoofdaanbieder_kvk": "30000002"},
        ],
    )

    problems = import_problems(orgs, write_services(tmp_path, []))

    assert problems == [
        "organisaties.csv:3: hoofdaanbieder_kvk: Een onderaannemer heeft het "
        "KvK-nummer van zijn hoofdaanbieder nodig.",
        "organisaties.csv:4: percelen: Hoofdaanbieder 30000001 heeft geen contract "
        "voor behandeling-lvb.",
        "organisaties.csv:5: hoofdaanbieder_kvk: Geen hoofdaanbieder met KvK-nummer "
        "30000002 in het bestand of in de database.",
    ]


def test_a_service_needs_a_provider(tmp_path, referrer_org):
    referrer_org.kvk = "40000001"
    referrer_org.save()
    svcs = write_services(tmp_path, [FAMILY | {"kvk": "40000001"}])

    problems = import_problems(write_orgs(tmp_path, []), svcs)

    assert problems == ["aanbod.csv:2: kvk: JGZ Almere (test) is geen aanbieder."]


def test_the_role_of_a_known_organisation_does_not_change(tmp_path, provider_org):
    row = SUB | {"kvk": provider_org.kvk, "hoofdaanbieder_kvk": "30000001"}
    orgs = write_orgs(tmp_path, [MAIN, row])

    problems = import_problems(orgs, write_services(tmp_path, []))

    assert problems == [
        f"organisaties.csv:3: rol: KvK {provider_org.kvk} staat al geregistreerd als "
        "hoofdaanbieder; die rol verandert de import niet."
    ]


def test_a_row_with_the_wrong_number_of_cells_is_refused(tmp_path, db):
    orgs = write_orgs(tmp_path, [MAIN])
    with orgs.open("a") as handle:
        handle.write("30000005;Te kort;hoofdaanbieder\n")

    problems = import_problems(orgs, write_services(tmp_path, []))

    assert problems == [
        "organisaties.csv:3: rij: Deze regel heeft 3 kolommen in plaats van 13."
    ]


def test_a_wrong_header_names_missing_and_unknown_columns(tmp_path, db):
    orgs = write_orgs(tmp_path, [MAIN])
    text = (
        orgs.read_text().replace("stadsdeel", "wijk", 1).replace(";agb;", ";agb;agb;")
    )
    orgs.write_text(text)

    problems = import_problems(orgs, write_services(tmp_path, []))

    expected = ", ".join(importing.ORGANISATION_COLUMNS)
    assert problems == [
        "organisaties.csv:1: stadsdeel: Deze kolom ontbreekt.",
        "organisaties.csv:1: agb: Deze kolom staat er meer dan eens in.",
        f"organisaties.csv:1: wijk: Onbekende kolom; verwacht zijn: {expected}.",
    ]


def test_an_empty_file_is_refused(tmp_path, db):
    orgs = tmp_path / "organisaties.csv"
    orgs.write_bytes(b"\xef\xbb\xbf\n")

    problems = import_problems(orgs, write_services(tmp_path, []))

    assert problems == ["organisaties.csv:1: bestand: Het bestand is leeg."]


def test_a_file_that_is_not_utf8_gets_a_clear_message(tmp_path, db):
    orgs = write_orgs(tmp_path, [MAIN, SUB | {"naam": "Zorg Café"}], encoding="cp1252")

    problems = import_problems(orgs, write_services(tmp_path, []))

    assert problems == [
        "organisaties.csv:3: bestand: Het bestand is geen UTF-8-tekst (onleesbaar "
        "teken op deze regel). Sla het op als 'CSV UTF-8'."
    ]


def test_a_file_that_is_too_big_is_refused(tmp_path, db, settings):
    orgs = write_orgs(tmp_path, [MAIN])
    svcs = write_services(tmp_path, [])
    settings.IMPORT_MAX_BYTES = svcs.stat().st_size
    size = orgs.stat().st_size

    problems = import_problems(orgs, svcs)

    assert problems == [
        f"organisaties.csv:1: bestand: Het bestand is te groot ({size} bytes; "
        f"maximaal {svcs.stat().st_size} bytes)."
    ]


def test_a_missing_file_is_reported_not_raised(tmp_path, db):
    problems = import_problems(tmp_path / "weg.csv", tmp_path / "ook-weg.csv")

    assert problems == [
        "weg.csv:1: bestand: Het bestand bestaat niet.",
        "ook-weg.csv:1: bestand: Het bestand bestaat niet.",
    ]


def test_all_problems_of_both_files_are_reported_together(tmp_path, db):
    orgs = write_orgs(tmp_path, [MAIN | {"email": "x"}, SUB | {"kvk": "3000000"}])
    svcs = write_services(
        tmp_path,
        [FAMILY | {"leeftijd_tot": "30", "status": ""}, LVB, TRAINING | {"vorm": "x"}],
    )

    problems = import_problems(orgs, svcs)

    assert [p.split(": ")[0:2] for p in problems] == [
        ["organisaties.csv:2", "email"],
        ["organisaties.csv:3", "kvk"],
        ["aanbod.csv:2", "leeftijd_tot"],
        ["aanbod.csv:2", "status"],
        ["aanbod.csv:4", "vorm"],
        ["aanbod.csv:4", "kvk"],  # its organisation's row had a bad KvK
    ]


def test_the_command_fails_with_a_nonzero_status_summary(tmp_path, db):
    orgs = write_orgs(tmp_path, [MAIN | {"kvk": "1"}])

    with pytest.raises(CommandError) as failed:
        call_command(
            "import_catalogue",
            str(orgs),
            str(write_services(tmp_path, [])),
            stderr=StringIO(),
        )

    assert str(failed.value) == "1 probleem gevonden; er is niets geïmporteerd."


# --- Atomicity ----------------------------------------------------------------------


def test_one_bad_row_among_good_ones_changes_nothing(tmp_path, service):
    before = snapshot()
    svcs = write_services(tmp_path, [FAMILY, LVB, TRAINING | {"leeftijd_tot": "99"}])

    import_problems(write_orgs(tmp_path, [MAIN, SUB]), svcs)

    assert snapshot() == before


def test_a_bad_update_changes_nothing(tmp_path, files):
    run_import(*files)
    before = snapshot()
    capacity = Capacity.objects.get(service__name="Gezinsbegeleiding")
    svcs = write_services(
        tmp_path,
        [FAMILY | {"vrije_plekken": "9"}, LVB | {"status": "?"}, TRAINING],
    )

    import_problems(files[0], svcs)

    assert snapshot() == before
    capacity.refresh_from_db()
    assert (capacity.free_places, capacity.version) == (3, 1)


# --- Progress and service helpers --------------------------------------------------


def test_verbose_import_shows_progress_on_stderr(files):
    err = StringIO()
    call_command(
        "import_catalogue", *map(str, files), verbosity=2, stdout=StringIO(), stderr=err
    )

    assert "aanbod.csv controleren: 3/3 (100%)" in err.getvalue().splitlines()


def test_upsert_helpers_take_one_row_each(db):
    org = services.organisation_upsert(
        actor=None, row=MAIN | {"percelen": "begeleiding"}
    )
    service = services.service_upsert(
        actor=None, row=SERVICE_DEFAULTS | FAMILY | {"leeftijd_van": 0}
    )

    assert (org.kvk, service.organisation, service.age_min) == ("30000001", org, 0)
    with pytest.raises(importing.ImportFailed) as failed:
        services.service_upsert(actor=None, row=SERVICE_DEFAULTS | LVB)
    assert [str(p) for p in failed.value.problems] == [
        "aanbod:2: perceel: Hoofd Zorg Almere heeft geen contract of onderaanneming "
        "voor behandeling-lvb."
    ]


# --- Cost (issue 18) --------------------------------------------------------------


def test_the_norms_are_read_once_per_import(files, monkeypatch):
    from registry import norms

    reads = []

    def reader():
        reads.append(1)
        return {"first_contact": 1, "intake": 4, "treatment": 6, "total": 10}

    monkeypatch.setattr(norms, "_reader", reader)

    run_import(*files)

    assert Capacity.objects.count() == 3
    assert len(reads) == 1


def test_a_dry_run_with_the_database_cache_changes_nothing(files, settings):
    # The production cache is a table: the closing catalogue-version bump must
    # not be sent into the transaction the dry run has set to roll back.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "test_import_cache",
        }
    }
    call_command("createcachetable", verbosity=0)
    before = snapshot()

    out = run_import(*files, "--dry-run")

    assert snapshot() == before
    assert "Proefimport (--dry-run): er is niets opgeslagen." in out


# --- Search documents written with the rows (issue 18) ------------------------------

VARIED = [
    FAMILY,
    LVB,
    TRAINING,
    {
        "kvk": "30000001",
        "aanbod": "Cliëntondersteuning bij angststoornissen",
        "omschrijving": "Hulp voor kinderen met problemen, ook thuis en op school.",
        "problematiek": "zelfbeschadiging|angst|ADHD|Trauma",
        "vorm": "op-school|online|ambulant",
        "stadsdelen": "oosterwold|Almere Poort|haven|stad|buiten",
        "status": "wachtlijst",
        "aanmeldwachttijd_weken": "",
        "behandelwachttijd_weken": "9",
    },
    {
        "kvk": "30000002",
        "aanbod": "Gezinsbehandeling (Gedragsproblemen)",
        "omschrijving": "",
        "problematiek": "",
        "vorm": "",
        "stadsdelen": "",
        "status": "open",
        "aanmeldwachttijd_weken": "3",
        "vrije_plekken": "",
    },
]
SEARCH_COLUMNS = (
    "search_text",
    "search_district_bits",
    "search_problem_bits",
    "search_form_bits",
    "search_open",
    "search_total_wait",
)


def stored_documents() -> dict[int, tuple]:
    """Every service's stored search columns (the vector as text on PostgreSQL)."""
    rows = {
        row[0]: row[1:] for row in Service.objects.values_list("pk", *SEARCH_COLUMNS)
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, search_vector::text FROM registry_service")
            for pk, vector in cursor.fetchall():
                rows[pk] += (vector,)
    return rows


def spelling_terms() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT term FROM registry_search_term")
        return {term for (term,) in cursor.fetchall()}


def test_new_services_are_stored_with_the_document_the_refresh_builds(
    tmp_path, provider_org, service
):
    # An existing organisation whose name changes in the same import, a new
    # organisation, facet terms listed out of their order, accents, compounds,
    # empty texts and capacity numbers.
    main = MAIN | {"kvk": provider_org.kvk, "naam": "Jeugdhulp Zuiderlicht"}
    main["percelen"] = f"{service.perceel.code}|begeleiding|behandeling-lvb"
    sub = SUB | {"hoofdaanbieder_kvk": provider_org.kvk}
    rows = [
        row | {"kvk": provider_org.kvk} for row in VARIED if row["kvk"] == MAIN["kvk"]
    ]
    rows += [row for row in VARIED if row["kvk"] == SUB["kvk"]]

    run_import(write_orgs(tmp_path, [main, sub]), write_services(tmp_path, rows))

    imported, terms = stored_documents(), spelling_terms()
    assert len(imported) == 6
    assert all(document[0].strip() for document in imported.values())
    services.service_refresh_search(services=list(imported))
    assert stored_documents() == imported
    assert spelling_terms() == terms


def test_a_first_import_writes_each_service_row_once(files):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        run_import(*files)

    # Savepoint and release (2), reference data (4), the database's state (5),
    # the facet terms for the search documents (3), organisations, locations,
    # services and capacities with their history rows (8), contracts and
    # subcontracts (2), the link rows (4: one statement per table) and the
    # spelling words (1); PostgreSQL also pauses and resumes the capacity
    # trigger (2). No search refresh: the new services were inserted with it.
    postgres = connection.vendor == "postgresql"
    assert len(queries) == (31 if postgres else 29)
    # Neither the search refresh (UPDATE registry_service AS s ... FROM unnest)
    # nor anything else updates the rows just inserted.
    statements = [query["sql"].lstrip().upper() for query in queries]
    assert any(sql.startswith('INSERT INTO "REGISTRY_SERVICE"') for sql in statements)
    assert not [
        sql for sql in statements if re.match(r'UPDATE "?REGISTRY_SERVICE\b', sql)
    ]
    assert Service.objects.filter(search_vector__isnull=True).exists() == (
        connection.vendor != "postgresql"
    )


def test_a_capacity_added_to_an_existing_service_reaches_its_search_columns(
    tmp_path, provider_org, service
):
    Capacity.objects.filter(service=service).delete()
    Service.objects.filter(pk=service.pk).update(
        search_open=False, search_total_wait=None
    )
    row = FAMILY | {"kvk": provider_org.kvk, "aanbod": service.name}
    row |= {"perceel": service.perceel.code, "vrije_plekken": "2"}
    main = MAIN | {"kvk": provider_org.kvk, "percelen": service.perceel.code}

    run_import(write_orgs(tmp_path, [main]), write_services(tmp_path, [row]))

    service.refresh_from_db()
    assert (service.search_open, service.search_total_wait) == (True, 6)


def test_a_dry_run_builds_no_search_documents(files):
    before = spelling_terms()

    run_import(*files, "--dry-run")

    assert spelling_terms() == before
    assert not Service.objects.exists()
