"""POST /api/v1/ijw/messages and ``manage.py import_ijw``: who may deliver,
what they get back, and that a refusal changes nothing."""

from datetime import timedelta
from io import StringIO

from django.core.management import CommandError, call_command

import pytest

from ijw.models import Message, Report
from registry.models import ApiToken
from registry.services import api_key_hash
from tests.ijw import helpers
from tests.ijw.conftest import snapshot, xml_post

pytestmark = pytest.mark.django_db


def test_a_municipality_key_delivers_a_message(
    client, municipality_key, msg, ijw_referral
):
    response = xml_post(
        client, msg("JW315", reference=ijw_referral.reference), municipality_key
    )
    assert response.status_code == 201
    body = response.json()
    assert body["bericht"] == "JW315" and body["uitkomst"] == "processed"
    assert body["effecten"] == [f"{ijw_referral.reference}: Toewijzing aangevraagd"]
    assert helpers.BSN not in response.content.decode()
    assert Message.objects.get().delivered_by.kind == "gemeente"


def test_a_second_delivery_answers_200_and_changes_nothing(
    client, municipality_key, msg, ijw_referral
):
    data = msg("JW315", reference=ijw_referral.reference)
    xml_post(client, data, municipality_key)
    before = snapshot()
    response = xml_post(client, data, municipality_key)
    assert (response.status_code, response.json()["uitkomst"]) == (200, "duplicate")
    assert snapshot() == before


def test_an_invalid_message_is_problem_json_naming_the_path(
    client, municipality_key, msg
):
    data = msg("JW305").replace(helpers.BSN.encode(), b"12345")
    before = snapshot()
    response = xml_post(client, data, municipality_key)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    names = [p["name"] for p in response.json()["invalid_params"]]
    assert names == ["/Bericht/Client/Bsn"]
    assert "12345" not in response.content.decode()
    assert snapshot() == before


def test_a_refused_sender_is_reported_and_changes_nothing(
    client, municipality_key, msg, ijw_referral, today
):
    xml_post(
        client,
        msg("JW301", reference=ijw_referral.reference, allocation="42"),
        municipality_key,
    )
    before = snapshot()
    response = xml_post(
        client,
        msg("JW305", allocation="42", sender="65656055", begin_on=today),
        municipality_key,
    )
    assert response.status_code == 400
    assert response.json()["invalid_params"][0]["name"] == "Afzender"
    assert snapshot() == before


def test_json_is_415(client, municipality_key):
    response = client.post(
        "/api/v1/ijw/messages",
        data={"a": 1},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {municipality_key}",
    )
    assert response.status_code == 415


def test_anonymous_is_401(client, msg):
    before = snapshot()
    assert xml_post(client, msg("JW315")).status_code == 401
    assert snapshot() == before


@pytest.mark.parametrize("who", ["provider", "outsider", "gemeente_without_scope"])
def test_other_keys_are_403(
    client, who, msg, provider_org, outsider_org, municipality_org, make_key
):
    if who == "gemeente_without_scope":
        key = "skj_" + "x" * 40
        ApiToken.objects.create(
            organisation=municipality_org,
            name="old",
            prefix=key[:12],
            key_hash=api_key_hash(key),
        )
    else:
        key = make_key(provider_org if who == "provider" else outsider_org)
    before = snapshot()
    assert xml_post(client, msg("JW315"), key).status_code == 403
    assert snapshot() == before


def test_a_revoked_municipality_key_is_401(client, municipality_key, msg):
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    assert xml_post(client, msg("JW315"), municipality_key).status_code == 401


@pytest.mark.parametrize(
    "who", ["municipality_user", "provider_user", "school_user", "referrer_user"]
)
def test_a_session_is_not_enough(client, who, request, msg):
    client.force_login(request.getfixturevalue(who))
    assert xml_post(client, msg("JW315")).status_code == 401
    assert not Message.objects.exists()


def test_a_municipality_key_needs_scope_ijw(municipality_org):
    from django.core.exceptions import ValidationError  # noqa: PLC0415

    from registry.services import api_token_create  # noqa: PLC0415

    with pytest.raises(ValidationError) as info:
        api_token_create(organisation=municipality_org, actor=None, name="x")
    assert "scopes" in info.value.message_dict
    assert not ApiToken.objects.exists()


def test_a_municipality_key_reads_no_referrals(client, municipality_key, ijw_referral):
    response = client.get(
        "/api/v1/referrals", HTTP_AUTHORIZATION=f"Token {municipality_key}"
    )
    # A municipality key cannot hold referrals:read (issue 15): 403 naming it.
    assert response.status_code == 403
    assert "referrals:read" in response.json()["detail"]
    detail = client.get(
        f"/api/v1/referrals/{ijw_referral.reference}",
        HTTP_AUTHORIZATION=f"Token {municipality_key}",
    )
    assert detail.status_code == 403
    assert ijw_referral.reference not in detail.content.decode()


# --- the command ------------------------------------------------------------------


def test_import_ijw_reads_a_folder_in_name_order(tmp_path, msg, ijw_referral, today):
    (tmp_path / "1-jw315.xml").write_bytes(
        msg("JW315", reference=ijw_referral.reference)
    )
    (tmp_path / "2-jw301.xml").write_bytes(
        msg("JW301", reference=ijw_referral.reference, allocation="300201")
    )
    (tmp_path / "3-jw305.xml").write_bytes(
        msg("JW305", allocation="300201", begin_on=today - timedelta(days=2))
    )
    (tmp_path / "notes.txt").write_text("ignored")
    out = StringIO()
    call_command("import_ijw", str(tmp_path), stdout=out)
    ijw_referral.refresh_from_db()
    assert ijw_referral.status == "started"
    assert out.getvalue().count("processed") == 3
    assert helpers.BSN not in out.getvalue()


def test_import_ijw_reports_a_refused_file_and_goes_on(tmp_path, msg, ijw_referral):
    bad = tmp_path / "bad.xml"
    bad.write_bytes(
        msg(
            "JW315",
            reference=ijw_referral.reference,
            birth_date=helpers.BORN.replace(year=2000),
        )
    )
    good = tmp_path / "good.xml"
    good.write_bytes(msg("JW319", reference=ijw_referral.reference, answer="2"))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_ijw", str(bad), str(good), stderr=err, stdout=StringIO())
    assert "bad.xml: Client/Geboortedatum" in err.getvalue()
    assert list(Report.objects.values_list("step", flat=True)) == ["investigating"]


def test_import_ijw_refuses_a_missing_path(tmp_path):
    with pytest.raises(CommandError):
        call_command("import_ijw", str(tmp_path / "none.xml"))


def test_import_ijw_does_not_read_an_oversized_file(tmp_path, settings, msg):
    settings.IJW_MAX_MESSAGE_BYTES = 1024
    big = tmp_path / "big.xml"
    big.write_bytes(b"<x>" + b" " * 2048 + b"</x>")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_ijw", str(big), stderr=err, stdout=StringIO())
    assert "big.xml: bericht: te groot" in err.getvalue()
    assert not Message.objects.exists()


def test_only_an_organisation_records_an_ijw_step(ijw_referral, provider_user):
    from django.core.exceptions import PermissionDenied  # noqa: PLC0415

    from referrals.services import referral_event_record  # noqa: PLC0415

    with pytest.raises(PermissionDenied):
        referral_event_record(
            referral=ijw_referral,
            type="started",
            occurred_on=ijw_referral.referred_on,
            actor=provider_user,
            source="ijw",
        )
    assert not ijw_referral.events.exists()


def test_an_empty_body_is_named(client, municipality_key):
    # As curl sends it: a content type and Content-Length 0.
    response = client.post(
        "/api/v1/ijw/messages",
        data=b"",
        content_type="application/xml",
        CONTENT_TYPE="application/xml",
        HTTP_AUTHORIZATION=f"Token {municipality_key}",
    )
    assert response.status_code == 400
    assert response.json()["invalid_params"][0]["name"] == "bericht"


def test_create_ijw_key_prints_a_working_key_once(client, municipality_org, msg):
    out = StringIO()
    call_command("create_ijw_key", municipality_org.slug, "iJw", stdout=out)
    key = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert token.scopes == "ijw" and key not in str(token.__dict__)
    assert xml_post(client, msg("JW315"), key).status_code == 201


def test_create_ijw_key_refuses_a_provider(provider_org):
    with pytest.raises(CommandError):
        call_command("create_ijw_key", provider_org.slug, "x", stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_municipality_staff_never_make_a_key(municipality_user, municipality_org):
    from django.core.exceptions import PermissionDenied  # noqa: PLC0415

    from registry.services import api_token_create  # noqa: PLC0415

    with pytest.raises(PermissionDenied):
        api_token_create(
            organisation=municipality_org,
            actor=municipality_user,
            name="x",
            scopes="ijw",
        )
    assert not ApiToken.objects.exists()
