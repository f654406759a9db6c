"""Waiting times against the Treeknormen, freshness and status labels."""

from datetime import UTC, datetime, timedelta

from django.template import Context, Template
from django.utils import timezone

import pytest

from registry.search import FacetGroup, FacetOption
from registry.templatetags import registry_tags as tags

NORMS = (4, 10, 14)
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("weeks", "norm", "state"),
    [(0, 4, "ok"), (4, 4, "ok"), (5, 4, "over"), (None, 4, "unknown")],
)
def test_norm_state_is_inclusive_of_the_norm(weeks, norm, state):
    assert tags.norm_state(weeks, norm) == state


@pytest.mark.parametrize(
    ("intake", "treatment", "total"),
    [(2, 3, 5), (None, 3, 3), (2, None, 2), (None, None, None), (0, 0, 0)],
)
def test_total_wait_counts_a_missing_half_as_zero(intake, treatment, total):
    assert tags.total_weeks(intake, treatment) == total


def test_assess_waits_checks_each_figure_against_its_own_norm():
    intake, treatment, total = tags.assess_waits(4, 11, NORMS)
    assert (intake.state, treatment.state, total.state) == ("ok", "over", "over")
    assert (intake.norm, treatment.norm, total.norm) == NORMS
    assert total.weeks == 15
    assert intake.note == "binnen de norm van 4 weken"
    assert treatment.note == "boven de norm van 10 weken"


def test_unknown_waits_are_said_to_be_unknown():
    waits = tags.assess_waits(None, None, NORMS)
    assert {w.state for w in waits} == {"unknown"}
    assert waits[0].weeks_text == "onbekend"
    assert waits[0].note == ""


@pytest.mark.parametrize(
    ("age", "stale"),
    [
        (timedelta(days=13), False),
        (timedelta(days=14), False),
        (timedelta(days=14, seconds=1), True),
    ],
)
def test_figures_go_stale_after_the_configured_days(age, stale):
    result = tags.freshness(NOW - age, now=NOW, stale_days=14)
    assert result.stale is stale
    assert result.days_old == age.days


def test_status_labels_are_dutch():
    assert tags.status_label("open") == "Open (direct plek)"
    assert tags.status_label("waitlist") == "Wachtlijst"
    assert tags.status_label("closed") == "Aanmeldstop"


@pytest.mark.django_db
def test_capacity_summary_renders_badges_and_a_stale_warning(service, settings):
    settings.CAPACITY_STALE_DAYS = 14
    capacity = service.capacity
    capacity.intake_wait_weeks, capacity.treatment_wait_weeks = 6, 2
    capacity.updated_at = capacity.updated_at - timedelta(days=20)
    html = Template("{% load registry_tags %}{% capacity_summary c %}").render(
        Context({"c": capacity})
    )
    assert '<span class="badge badge--over">6 weken</span>' in html
    assert '<span class="badge badge--ok">2 weken</span>' in html
    assert "Bijgewerkt op" in html
    assert "ouder dan 14 dagen" in html


@pytest.mark.django_db
def test_fresh_capacity_has_no_stale_warning(service):
    html = Template("{% load registry_tags %}{% capacity_summary c %}").render(
        Context({"c": service.capacity})
    )
    assert "ouder dan" not in html


@pytest.mark.django_db
def test_the_same_figures_go_stale_as_time_passes(service, settings, time_machine):
    """The "bijgewerkt op" text is built once per value, the staleness on
    every render."""
    settings.CAPACITY_STALE_DAYS = 14
    capacity = service.capacity
    capacity.updated_at = NOW
    page = Template("{% load registry_tags %}{% capacity_summary c %}")
    time_machine.move_to(NOW + timedelta(days=1))
    assert "ouder dan" not in page.render(Context({"c": capacity}))
    time_machine.move_to(NOW + timedelta(days=20))
    later = page.render(Context({"c": capacity}))
    assert "ouder dan 14 dagen" in later
    assert f'datetime="{timezone.localtime(NOW).isoformat()}"' in later


def test_facet_options_are_checkboxes_with_escaped_names_and_counts():
    group = FacetGroup(
        "probleem",
        "Problematiek",
        [
            FacetOption("angst", "Angst & <paniek>", 12, True),
            FacetOption('x"y', "Gedrag", 0, False),
        ],
    )
    assert tags.facet_options(group) == (
        '<div class="choice"><input type="checkbox" id="f-probleem-angst" '
        'name="probleem" value="angst" form="search-form" checked>'
        '<label for="f-probleem-angst">Angst &amp; &lt;paniek&gt; '
        '<span class="choice__count">(12)</span></label></div>'
        '<div class="choice"><input type="checkbox" id="f-probleem-x&quot;y" '
        'name="probleem" value="x&quot;y" form="search-form">'
        '<label for="f-probleem-x&quot;y">Gedrag '
        '<span class="choice__count">(0)</span></label></div>'
    )
