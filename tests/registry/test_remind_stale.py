"""remind_stale_capacity: one summary per provider organisation per ISO week."""

import datetime
from datetime import timedelta
from io import StringIO

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

import pytest
import time_machine

from registry.management.commands.remind_stale_capacity import iso_week
from registry.models import Capacity, CapacityReminder
from tests import factories

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 11, 18, 7, 0, tzinfo=datetime.UTC)  # a Wednesday


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run_command(*args):
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("remind_stale_capacity", *args, stdout=out, stderr=StringIO())
        return out.getvalue()

    return run_command


def _make_stale(*services, days=20):
    Capacity.objects.filter(service__in=services).update(
        updated_at=timezone.now() - timedelta(days=days)
    )


@pytest.fixture
def reachable(provider_org, subcontractor_org, outsider_org):
    provider_org.email = "info@hoofd.example"
    provider_org.save()
    factories.MembershipFactory(
        organisation=subcontractor_org, user__email="sub@example.org"
    )
    factories.MembershipFactory(
        organisation=outsider_org, user__email="ander@example.org"
    )


def _mail_to(address):
    return [m for m in mail.outbox if address in m.to]


def test_the_period_is_the_iso_week():
    assert iso_week() == "2026-W47"
    assert (
        iso_week(datetime.datetime(2027, 1, 1, 12, tzinfo=datetime.UTC)) == "2026-W53"
    )


def test_each_provider_gets_one_summary_of_its_stale_services(
    run, reachable, provider_org, perceel, service, outsider_service, settings
):
    settings.SITE_URL = "https://kaart.example"
    second = factories.ServiceFactory(organisation=provider_org, perceel=perceel)
    _make_stale(service, second)
    output = run()
    assert "1 verstuurd" in output
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == sorted({"info@hoofd.example", *_member_emails(provider_org)})
    assert message.subject == "Sociale Kaart Jeugd: 2 aanbod niet bijgewerkt"
    assert service.name in message.body and second.name in message.body
    assert f"https://kaart.example/mijn/aanbod/{service.pk}" in message.body
    assert outsider_service.name not in message.body
    reminder = CapacityReminder.objects.get()
    assert (reminder.organisation, reminder.period, reminder.service_count) == (
        provider_org,
        "2026-W47",
        2,
    )


def _member_emails(org):
    return {m.user.email for m in org.memberships.select_related("user")}


def test_a_second_run_in_the_same_week_sends_nothing(run, reachable, service):
    _make_stale(service)
    run()
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        output = run()
    assert "0 verstuurd, 1 al eerder verstuurd" in output
    assert len(mail.outbox) == 1
    assert CapacityReminder.objects.count() == 1


def test_the_next_week_sends_again_if_still_stale(run, reachable, service):
    _make_stale(service)
    run()
    with time_machine.travel(NOW + timedelta(days=7), tick=False):
        run()
    assert len(mail.outbox) == 2
    assert set(CapacityReminder.objects.values_list("period", flat=True)) == {
        "2026-W47",
        "2026-W48",
    }


def test_a_hoofdaanbieder_hears_about_its_onderaannemers_stale_services(
    run, reachable, subcontractor_service, provider_org
):
    _make_stale(subcontractor_service)
    run()
    to_main = _mail_to("info@hoofd.example")
    to_sub = _mail_to("sub@example.org")
    assert len(to_main) == len(to_sub) == 1
    assert subcontractor_service.name in to_main[0].body
    assert subcontractor_service.organisation.name in to_main[0].body
    assert subcontractor_service.name in to_sub[0].body


def test_fresh_services_and_inactive_ones_are_not_reminded(run, reachable, service):
    _make_stale(service, days=5)
    run()
    service.active = False
    service.save()
    _make_stale(service)
    run()
    assert mail.outbox == []
    assert not CapacityReminder.objects.exists()


def test_an_organisation_without_an_address_is_skipped_and_tried_again(
    run, service, provider_org
):
    _make_stale(service)
    output = run()
    assert "1 zonder e-mailadres" in output
    assert not CapacityReminder.objects.exists()
    provider_org.email = "info@hoofd.example"
    provider_org.save()
    run()
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_does_not_undo_the_record_or_send_twice(
    run, reachable, service, monkeypatch
):
    _make_stale(service)

    def broken(self, fail_silently=False):
        raise OSError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    run()
    monkeypatch.undo()
    run()
    assert CapacityReminder.objects.count() == 1
    assert mail.outbox == []  # at most once: the week's reminder was recorded


def test_without_site_url_the_links_follow_the_address_served(
    run, reachable, service, settings
):
    """Development: SITE_URL unset, a command links to the address bin/run-demo
    serves (SERVED_URL)."""
    settings.SITE_URL = ""
    settings.SERVED_URL = "http://127.0.0.1:8555"
    _make_stale(service)
    run()
    assert f"http://127.0.0.1:8555/mijn/aanbod/{service.pk}" in mail.outbox[0].body
