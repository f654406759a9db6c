"""A hoofdaanbieder sees a shared onderaannemer's figures only in the perceel of
its own subcontract with it (pages, CSV and API take the same selection)."""

import pytest
from rest_framework.test import APIClient

from dashboard.services import dashboard_refresh
from tests.security.matrix_world import build_shared_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = build_shared_world()
    dashboard_refresh()
    return world


def _summary(world, role: str) -> dict:
    api = APIClient()
    api.force_authenticate(world.users[role])
    response = api.get("/api/v1/dashboard/summary", {"provider": "gedeeld"})
    assert response.status_code == 200
    return response.json()


def _lots(summary) -> dict:
    return {row["lot"]["code"]: row["figures"]["made"] for row in summary["by_lot"]}


def test_each_hoofdaanbieder_counts_the_onderaannemers_referrals_of_its_perceel(
    world,
):
    for role, lot in (("main_a", "begeleiding"), ("main_b", "behandeling-psychiatrie")):
        summary = _summary(world, role)
        assert summary["figures"]["made"] == 1, role
        assert {code for code, made in _lots(summary).items() if made} == {lot}


def test_the_onderaannemer_itself_counts_both(world):
    assert _summary(world, "shared")["figures"]["made"] == 2


def test_the_csv_holds_the_same_selection(client, world):
    client.force_login(world.users["main_a"])
    response = client.get("/regie/csv/percelen.csv", {"aanbieder": "gedeeld"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Begeleiding" in body
    assert "Behandeling psychiatrie" not in body
