"""Who and what the benchmark acts on: users, API tokens, and pools of services,
referrals (with legal next steps planned by the workflow) and family codes."""

import random
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from referrals import codes
from referrals import workflow as wf

MAIN_PATH = (wf.RECEIVED, wf.FIRST_CONTACT, wf.INTAKE, wf.STARTED, wf.ENDED)


@dataclass
class Cast:
    provider: object  # the hoofdaanbieder with the largest inbox
    referrer: object  # the referrer organisation with most referrals
    provider_user: object
    referrer_user: object
    municipality_user: object
    tokens: dict[int, str] = field(default_factory=dict)  # organisation id: key


def _member(username: str, organisation):
    from registry.models import Membership, User

    user, _ = User.objects.get_or_create(username=username)
    Membership.objects.get_or_create(user=user, organisation=organisation)
    return user


def top_providers(count: int) -> list[int]:
    """Hoofdaanbieders with the largest inboxes (their own referrals and their
    onderaannemers'), largest first. Stable: the load adds no referrals."""
    from django.db import connection

    from referrals.models import Referral
    from registry.models import Contract, Organisation, Subcontract

    tables = {
        "org": Organisation._meta.db_table,
        "contract": Contract._meta.db_table,
        "sub": Subcontract._meta.db_table,
        "referral": Referral._meta.db_table,
    }
    sql = """
        WITH members AS (
            SELECT id AS head, id AS member FROM {org} WHERE kind = %s
            UNION
            SELECT c.organisation_id, s.subcontractor_id
            FROM {sub} s JOIN {contract} c ON c.id = s.contract_id
        )
        SELECT head FROM members m JOIN {referral} r ON r.provider_id = m.member
        GROUP BY head ORDER BY count(*) DESC, head LIMIT %s
    """.format(**tables)
    with connection.cursor() as cursor:
        cursor.execute(sql, [Organisation.Kind.HOOFDAANBIEDER, count])
        return [row[0] for row in cursor.fetchall()]


def cast(seed: int) -> Cast:
    from referrals.models import Referral
    from registry.models import Organisation

    provider = Organisation.objects.get(pk=top_providers(1)[0])
    top_referrer = (
        Referral.objects.values("referrer_organisation")
        .annotate(n=Count("id"))
        .order_by("-n", "referrer_organisation")
        .first()
    )
    referrer = Organisation.objects.get(pk=top_referrer["referrer_organisation"])
    municipality, _ = Organisation.objects.get_or_create(
        slug=f"bench-gemeente-s{seed}",
        defaults={"name": "Gemeente Almere (benchmark)", "kind": "gemeente"},
    )
    return Cast(
        provider=provider,
        referrer=referrer,
        provider_user=_member(f"bench-provider-{provider.pk}", provider),
        referrer_user=_member(f"bench-referrer-{referrer.pk}", referrer),
        municipality_user=_member(f"bench-regie-s{seed}", municipality),
    )


def token_for(organisation_id: int) -> str:
    """A new API token of the organisation (a key is only known when made)."""
    from registry.models import Organisation
    from registry.services import api_token_create

    organisation = Organisation.objects.get(pk=organisation_id)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    _, key = api_token_create(
        organisation=organisation, actor=None, name=f"benchmark {stamp}"
    )
    return key


def public_service_ids(rng: random.Random, count: int) -> list[int]:
    from registry.models import Service

    ids = list(
        Service.objects.filter(active=True, organisation__active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return rng.sample(ids, min(count, len(ids)))


def own_services(organisation_ids, rng: random.Random, count: int) -> list[dict]:
    """Services of these organisations with their current ETag and owner."""
    from registry.models import Capacity

    rows = list(
        Capacity.objects.filter(service__organisation_id__in=organisation_ids)
        .order_by("pk")
        .values("pk", "service_id", "version", "service__organisation_id")
    )
    chosen = rng.sample(rows, min(count, len(rows)))
    return [
        {
            "service": row["service_id"],
            "etag": f'"{row["pk"]}-{row["version"]}"',
            "organisation": row["service__organisation_id"],
        }
        for row in chosen
    ]


def family_codes(rng: random.Random, count: int) -> list[dict]:
    """Right answers for the family status page: code and date of birth."""
    from referrals.models import Referral

    top = Referral.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    wanted = {rng.randint(1, top) for _ in range(count * 2)}
    rows = Referral.objects.filter(
        pk__in=wanted, child_birth_date__isnull=False
    ).values_list("family_code", "child_birth_date")[:count]
    return [{"code": code, "birth_date": born.isoformat()} for code, born in rows]


def referral_references(organisation_id: int, rng: random.Random, count: int):
    from referrals.models import Referral

    refs = list(
        Referral.objects.filter(provider_id=organisation_id)
        .order_by("-pk")
        .values_list("reference", flat=True)[: count * 20]
    )
    return rng.sample(refs, min(count, len(refs)))


# --- planned steps on open referrals -------------------------------------------------


def _payload(step: str, today, rng: random.Random) -> dict:
    payload = {"type": step, "occurred_on": today.isoformat()}
    if step == wf.WAITLISTED:
        payload["bridging_care"] = rng.random() < 0.3
        payload["expected_start_on"] = (today + timedelta(weeks=4)).isoformat()
    elif step == wf.ENDED:
        payload["end_reason"] = codes.EndReason.VOLGENS_PLAN.value
    elif step == wf.DECLINED:
        payload["decline_reason"] = codes.DeclineReason.NO_CAPACITY.value
    return payload


def next_step(derived: wf.Derived, rng: random.Random) -> str | None:
    """A legal provider step after ``derived``: mostly along the main path,
    sometimes a waiting list or a decline."""
    allowed = wf.allowed_events(derived) & wf.PROVIDER_EVENTS
    roll = rng.random()
    if wf.WAITLISTED in allowed and roll < 0.1:
        return wf.WAITLISTED
    if wf.DECLINED in allowed and roll > 0.96:
        return wf.DECLINED
    for step in MAIN_PATH:
        if step in allowed:
            return step
    return None


def plan_steps(events: list[wf.Event], rng: random.Random, most: int) -> list[dict]:
    """Up to ``most`` legal next steps (API payloads), all dated today."""
    today = timezone.localdate()
    events, steps = list(events), []
    while len(steps) < most:
        step = next_step(wf.derive(events), rng)
        if step is None:
            break
        payload = _payload(step, today, rng)
        steps.append(payload)
        events.append(
            wf.Event(
                step, today, today + timedelta(weeks=4), payload.get("bridging_care")
            )
        )
    return steps


def inbox_members(heads) -> dict[int, int]:
    """Organisation id -> the hoofdaanbieder (of ``heads``) whose inbox and
    token cover it: the hoofdaanbieder itself and its onderaannemers."""
    from registry.models import Subcontract

    members = {}
    for sub, head in Subcontract.objects.filter(
        contract__organisation_id__in=heads
    ).values_list("subcontractor_id", "contract__organisation_id"):
        members.setdefault(sub, head)
    members.update({head: head for head in heads})
    return members


def open_referral_plans(
    members: dict[int, int], rng: random.Random, count: int, most_steps: int
) -> list[dict]:
    """``count`` open referrals in these inboxes, each with its planned steps and
    the hoofdaanbieder whose token records them (``members``: inbox_members)."""
    from referrals.models import Referral, ReferralEvent
    from registry.permissions import current_subcontract_lots

    # A hoofdaanbieder reaches an onderaannemer's referral only in the percelen
    # of its own current subcontract (the one permission scope).
    heads = sorted(set(members.values()))
    lots = {
        (sub, lot, head) for sub, lot, head in current_subcontract_lots(main_ids=heads)
    }
    rows = [
        (pk, reference, provider)
        for pk, reference, provider, lot in Referral.objects.filter(
            provider_id__in=members, status__in=wf.OPEN_STATUSES
        )
        .order_by("pk")
        .values_list("pk", "reference", "provider_id", "perceel_id")
        if members[provider] == provider or (provider, lot, members[provider]) in lots
    ]
    chosen = rng.sample(rows, min(count, len(rows)))
    events: dict[int, list] = {pk: [] for pk, _, _ in chosen}
    for event in ReferralEvent.objects.filter(referral_id__in=events).order_by("id"):
        events[event.referral_id].append(event.as_workflow_event())
    plans = []
    for pk, reference, provider in chosen:
        steps = plan_steps(events[pk], rng, most_steps)
        if steps:
            plans.append(
                {"referral": pk, "reference": reference, "steps": steps,
                 "provider": members[provider]}
            )  # fmt: skip
    return plans


def log_in(client, user) -> None:
    """A complete log-in for ``client``: the session of ``user`` with its second
    factor verified, as ``accounts`` leaves it after the code step."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts import login_flow

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="benchmark", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[login_flow.SECOND_FACTOR_KEY] = "otp"
    session.save()
