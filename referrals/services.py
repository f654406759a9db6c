"""Writes of the referral tracker. Every change to a referral goes through here.

- ``referral_create``: a new referral, status ``sent``, no events.
- ``referral_event_record``: the ONE path that changes a referral's status and
  milestone dates (STYLE.md "Changing a referral's status: one path only");
  ``referral_event_record_by_reference`` is the same path for the API, which
  has only the reference (the referral is read once, locked).
- ``access_log_record`` / ``access_log_record_many``: who read personal data.
- ``family_status_check``: the family's code + date of birth, throttled.
- ``referral_purge_personal_data`` / ``referral_warn_before_purge``: retention.
Notices go through the outbox in ``referrals.notifications``.
"""

import hashlib
import operator
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial, reduce
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from referrals import codes, identifiers, notifications, selectors
from referrals import permissions as perms
from referrals import validators as rv
from referrals import workflow as wf
from referrals.models import (
    AccessLogEntry,
    Notification,
    Referral,
    ReferralEvent,
    ResponseNorm,
    StatusLookupFailure,
)
from registry import permissions as registry_permissions
from registry.models import Capacity, Membership, Organisation, Service, User
from webhooks import models as webhook_events
from webhooks import services as webhooks

MAX_CHILD_AGE_YEARS = 23  # verlengde jeugdhulp
# The norms a new database starts with (migration 0004 seeds the same): the
# Almere contract (first contact within 2 weeks), the Treeknormen (intake 4,
# intake to start 10, total 14 weeks), urgent first contact in 2 working days.
DEFAULT_NORMS = (
    ("regular", "first_contact", 2, "weeks"),
    ("regular", "intake", 4, "weeks"),
    ("regular", "treatment", 10, "weeks"),
    ("regular", "total", 14, "weeks"),
    ("urgent", "first_contact", 2, "working_days"),
    ("urgent", "intake", 4, "weeks"),
    ("urgent", "treatment", 10, "weeks"),
    ("urgent", "total", 14, "weeks"),
)
MAX_INITIALS_LENGTH = 10
# Groups of one to three letters ("J.B.", "A. v.d. B"): initials, not a name.
_INITIALS = re.compile(r"^[^\W\d_]{1,3}(?:[. ]+[^\W\d_]{1,3})*\.?$")
# The roles a referrer of each organisation kind refers in (the first: default).
_KIND_ROLES = {
    Organisation.Kind.JGZ: (
        codes.ReferrerRole.JGZ_TOEGANG,
        codes.ReferrerRole.JEUGDARTS,
        codes.ReferrerRole.JEUGDVERPLEEGKUNDIGE,
    ),
    Organisation.Kind.HUISARTS: (codes.ReferrerRole.HUISARTS,),
    Organisation.Kind.GI: (codes.ReferrerRole.GI,),
    Organisation.Kind.ZIEKENHUIS: (codes.ReferrerRole.MEDISCH_SPECIALIST,),
    Organisation.Kind.WIJKTEAM: (codes.ReferrerRole.WIJKTEAM,),
}
TYPE_FIELDS = ("expected_start_on", "bridging_care", "end_reason", "decline_reason")


class IdempotencyKeyReused(Exception):
    """The Idempotency-Key was used before for a different request (API: 409)."""

    def __init__(self, event: ReferralEvent):
        super().__init__(_("Deze Idempotency-Key is al gebruikt voor een andere stap."))
        self.event = event


class DuplicateReferral(Exception):
    """The actor's organisations already have an open referral for this child in
    this perceel; ``found`` lists them (the caller shows them, or retries with
    ``allow_duplicate``)."""

    def __init__(self, found: list[Referral]):
        super().__init__("duplicate referral")
        self.found = found


class TooManyAttempts(Exception):
    """Too many wrong family-status answers for this code or address (429)."""


# --- creating a referral ------------------------------------------------------


def _referrer_organisation(actor, chosen: Organisation | None) -> Organisation:
    own = perms.scope(actor).referrer_organisations
    if not own:
        raise PermissionDenied(_("Alleen verwijzers kunnen verwijzen."))
    if chosen is None and len(own) == 1:
        return own[0]
    if chosen is None or chosen.pk not in {o.pk for o in own}:
        raise ValidationError(
            {"referrer_organisation": _("Kies de organisatie waarvoor u verwijst.")}
        )
    return chosen


def referrer_role_choices(organisation: Organisation) -> list[str]:
    return list(_KIND_ROLES[organisation.kind])


def referrer_type_choices(organisation: Organisation) -> list[str]:
    """The COD327 codes a referrer of ``organisation`` can refer as."""
    return list(
        dict.fromkeys(
            codes.ROLE_COD327[role] for role in referrer_role_choices(organisation)
        )
    )


def _referrer_role(organisation: Organisation, data: dict) -> str:
    """The role chosen (or the COD327 code chosen, for older clients), checked
    against the organisation's kind; the kind's first role when none is given."""
    roles = referrer_role_choices(organisation)
    role, code = data.get("referrer_role"), data.get("referrer_type")
    if role:
        if role not in roles:
            raise ValidationError(
                {"referrer_role": _("Deze rol past niet bij uw organisatie.")}
            )
        return role
    if code:
        for candidate in roles:
            if codes.ROLE_COD327[candidate] == code:
                return candidate
        raise ValidationError(
            {"referrer_type": _("Deze soort verwijzer past niet bij uw organisatie.")}
        )
    return roles[0]


def _child_errors(referral: Referral, today: date) -> dict:
    errors = {}
    initials = referral.child_initials
    if not initials:
        errors["child_initials"] = _("Vul de initialen van het kind in.")
    elif len(initials) > MAX_INITIALS_LENGTH or not _INITIALS.match(initials):
        errors["child_initials"] = _(
            "Alleen initialen, bijvoorbeeld J.B. (geen volledige naam, geen BSN)."
        )
    born = referral.child_birth_date
    if born is None:
        errors["child_birth_date"] = _("Vul de geboortedatum van het kind in.")
    elif born > today:
        errors["child_birth_date"] = _("De geboortedatum ligt in de toekomst.")
    elif born <= today.replace(year=today.year - MAX_CHILD_AGE_YEARS - 1):
        errors["child_birth_date"] = _(
            "Jeugdhulp is er tot en met 23 jaar; controleer de geboortedatum."
        )
    return errors


def _consent_errors(referral: Referral, today: date) -> dict:
    errors = {}
    if not referral.help_question.strip():
        errors["help_question"] = _("Beschrijf de hulpvraag.")
    if referral.urgency not in codes.Urgency.values:
        errors["urgency"] = _("Kies de urgentie.")
    if referral.consent_by not in codes.ConsentBy.values:
        errors["consent_by"] = _("Kies wie toestemming gaf.")
    consent = referral.consent_date
    if consent is None:
        errors["consent_date"] = _("Vul in wanneer de toestemming is gegeven.")
    elif consent > today:
        errors["consent_date"] = _("De datum van toestemming ligt in de toekomst.")
    elif referral.child_birth_date and consent < referral.child_birth_date:
        errors["consent_date"] = _("De toestemming ligt vóór de geboortedatum.")
    school = referral.follower_school
    if school is not None and school.kind != Organisation.Kind.SCHOOL:
        errors["follower_school"] = _("Kies een school.")
    elif school is not None and not referral.school_consent:
        errors["school_consent"] = _(
            "De school kan alleen meekijken als het gezin daar toestemming voor geeft."
        )
    return errors


def age_on(born: date, day: date) -> int:
    """Full years of a child born on ``born`` on ``day``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def alternatives_url(service: Service, born: date | None = None) -> str:
    """The search page for open services in the same perceel (and age)."""
    params = {"perceel": service.perceel.code, "plek": "1"}
    if born is not None:
        params["leeftijd"] = age_on(born, timezone.localdate())
    return f"{reverse('registry:search')}?{urlencode(params)}"


def _service_errors(service: Service, born: date | None, today: date) -> dict:
    """What makes a referral to ``service`` unworkable: gone, in aanmeldstop,
    or a child outside the service's age range (named on child_birth_date)."""
    if not service.active or not service.organisation.is_provider:
        return {"service": _("Naar dit aanbod kan niet (meer) worden verwezen.")}
    errors = {}
    capacity = getattr(service, "capacity", None)
    if capacity is not None and capacity.status == Capacity.Status.CLOSED:
        errors["service"] = _(
            "Dit aanbod heeft een aanmeldstop: verwijzen kan nu niet. Kies ander "
            "aanbod met plek: %(url)s"
        ) % {"url": alternatives_url(service, born)}
    if born is not None and born <= today:
        age = age_on(born, today)
        if not service.age_min <= age <= service.age_max:
            errors["child_birth_date"] = _(
                "Dit aanbod is voor kinderen van %(min)s tot en met %(max)s jaar; "
                "dit kind is %(age)s jaar. Kies aanbod dat bij de leeftijd past."
            ) % {"min": service.age_min, "max": service.age_max, "age": age}
    return errors


def _previous_errors(actor, referral: Referral) -> dict:
    """A follow-up referral continues a declined or ended one of the actor's own
    organisation, for the same child."""
    previous = referral.previous_referral
    if previous is None:
        return {}
    if perms.referral_view(actor, previous) != perms.REFERRER:
        return {"previous_referral": _("Verwijzing niet gevonden.")}
    if previous.status not in (wf.DECLINED, wf.ENDED):
        return {
            "previous_referral": _(
                "Alleen na een afgewezen of beëindigde verwijzing kunt u doorverwijzen."
            )
        }
    if previous.child_birth_date != referral.child_birth_date:
        return {
            "child_birth_date": _(
                "De geboortedatum verschilt van die in de vorige verwijzing."
            )
        }
    return {}


def _parent_errors(referral: Referral) -> dict:
    """At least one way for the provider to reach the family; phone checked as
    a Dutch number (and stored in national notation)."""
    errors = {}
    try:
        referral.parent_phone = rv.normalise_dutch_phone(referral.parent_phone)
    except ValidationError as exc:
        errors["parent_phone"] = exc.messages[0]
    if not referral.parent_phone and not referral.parent_email and not errors:
        errors["parent_phone"] = _(
            "Vul een telefoonnummer of e-mailadres van de ouder in, zodat de "
            "aanbieder contact kan opnemen."
        )
    return errors


def _free_text_errors(referral: Referral) -> dict:
    errors = {}
    for name in ("help_question", "parent_name"):
        try:
            rv.validate_no_bsn(getattr(referral, name))
        except ValidationError as exc:
            errors[name] = exc.messages[0]
    return errors


def referral_create(
    *, actor, service: Service, data: dict, allow_duplicate: bool = False
) -> Referral:
    """Create a referral from ``actor``'s referrer organisation to ``service``.

    ``data``: child_initials, child_birth_date, help_question, urgency,
    consent_by, consent_date, parent_phone and/or parent_email (at least one),
    and optionally parent_name, follower_school
    (an Organisation of kind school), school_consent, referrer_role (JGZ:
    jgz_toegang, jeugdarts or jeugdverpleegkundige; its COD327 code follows) or,
    for older clients, referrer_type (a COD327 code), referrer_organisation (only
    when the actor belongs to several).

    Invariants: never a BSN (initials only, none in free text); the child's
    age fits the service's range; never to a service in aanmeldstop; a way to
    reach the family; status ``sent`` with no events;
    provider and perceel copied from the service; a follower school only with
    school consent; reference and family code random and independent.
    Side effects: notices to the provider's intake address and opted-in staff
    (outbox, same transaction; sent after commit).
    Errors: PermissionDenied if the actor may not refer; ValidationError naming
    the field(s); DuplicateReferral when the actor's organisations have an open
    referral of this child in this perceel (unless ``allow_duplicate``); nothing
    is stored then. The duplicate guard holds under concurrency: the check and
    the INSERT run under a transaction-level advisory lock per child and perceel
    (PostgreSQL), so ten identical requests at once create one referral.
    """
    organisation = _referrer_organisation(actor, data.get("referrer_organisation"))
    today = timezone.localdate()
    referral = Referral(
        service=service,
        provider_id=service.organisation_id,
        perceel_id=service.perceel_id,
        referrer_organisation=organisation,
        referrer_user=actor if isinstance(actor, User) else None,
        referrer_role=(role := _referrer_role(organisation, data)),
        referrer_type=codes.ROLE_COD327[role],
        follower_school=data.get("follower_school"),
        school_consent=bool(data.get("school_consent")),
        child_initials=(data.get("child_initials") or "").strip(),
        child_birth_date=data.get("child_birth_date"),
        help_question=(data.get("help_question") or "").strip(),
        urgency=data.get("urgency") or codes.Urgency.REGULAR,
        consent_by=data.get("consent_by") or "",
        consent_date=data.get("consent_date"),
        previous_referral=data.get("previous_referral"),
        parent_name=(data.get("parent_name") or "").strip(),
        parent_phone=(data.get("parent_phone") or "").strip(),
        parent_email=(data.get("parent_email") or "").strip(),
        referred_on=today,
    )
    errors = {
        **_child_errors(referral, today),
        **_consent_errors(referral, today),
        **_parent_errors(referral),
        **_free_text_errors(referral),
        **_previous_errors(actor, referral),
    }
    for name, message in _service_errors(
        service, referral.child_birth_date, today
    ).items():
        errors.setdefault(name, message)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if not allow_duplicate:
            _lock_child_in_perceel(referral)
            found = list(
                selectors.referral_open_duplicates(
                    actor=actor,
                    child_initials=referral.child_initials,
                    child_birth_date=referral.child_birth_date,
                    perceel_id=referral.perceel_id,
                )
            )
            # The earlier referral this one follows is no duplicate to warn about.
            found = [r for r in found if r.pk != referral.previous_referral_id]
            if found:
                raise DuplicateReferral(found)
        referral = _save_with_new_codes(referral)
        notifications.notifications_for_new_referral(referral)
        webhooks.enqueue(
            webhook_events.REFERRAL_CREATED,
            referral,
            for_provider=True,
            for_referrer=False,
        )
    transaction.on_commit(partial(_send_after_commit, referral.pk, "new"), robust=True)
    return referral


def _lock_child_in_perceel(referral: Referral) -> None:
    """Serialise creating referrals of one child in one perceel until commit.

    The key is a hash of perceel, initials and date of birth (not the referrer
    organisation: the actor may belong to several). SQLite (trying things out)
    serialises writes itself and has no advisory locks.
    """
    if connection.vendor != "postgresql":
        return
    text = "|".join(
        (
            str(referral.perceel_id),
            referral.child_initials.casefold(),
            referral.child_birth_date.isoformat(),
        )
    )
    digest = hashlib.blake2b(text.encode(), digest_size=8, person=b"referral-dup")
    key = int.from_bytes(digest.digest(), "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _save_with_new_codes(referral: Referral) -> Referral:
    """Draw reference and family code; a collision (2^-40) draws again."""
    for _attempt in range(5):
        referral.reference = identifiers.new_reference()
        referral.family_code = identifiers.new_family_code()
        referral.full_clean()
        try:
            with transaction.atomic():
                referral.save()
            return referral
        except IntegrityError:
            continue
    raise RuntimeError("Could not draw a unique referral reference.")


# --- recording a step: the one path that changes a status ---------------------


def _check_may_record(actor, referral: Referral, event_type: str) -> None:
    if not perms.can_see_referral(actor, referral):
        raise Http404(_("Verwijzing niet gevonden."))
    if event_type in wf.EVENT_TYPES and not perms.can_record_event(
        actor, referral, event_type
    ):
        who = _("de verwijzer") if event_type in wf.REFERRER_EVENTS else None
        raise PermissionDenied(
            _("Alleen %(who)s kan deze stap vastleggen.")
            % {"who": who or _("de aanbieder")}
        )


def _type_field_values(event_type: str, occurred_on: date, fields: dict) -> dict:
    """Validate the fields that belong to ``event_type``; others must be empty."""
    unknown = set(fields) - set(TYPE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown event fields: {sorted(unknown)}")
    values = {
        "expected_start_on": fields.get("expected_start_on"),
        "bridging_care": fields.get("bridging_care"),
        "end_reason": fields.get("end_reason") or "",
        "decline_reason": fields.get("decline_reason") or "",
    }
    own = {
        wf.WAITLISTED: {"expected_start_on", "bridging_care"},
        wf.ENDED: {"end_reason"},
        wf.DECLINED: {"decline_reason"},
    }.get(event_type, set())
    errors = {
        name: _("Dit veld hoort niet bij deze stap.")
        for name, value in values.items()
        if name not in own and value not in (None, "")
    }
    errors.update(_own_field_errors(event_type, occurred_on, values))
    if errors:
        raise ValidationError(errors)
    return values


def _own_field_errors(event_type: str, occurred_on: date, values: dict) -> dict:
    errors = {}
    if event_type == wf.WAITLISTED:
        if values["bridging_care"] is None:
            errors["bridging_care"] = _("Geef aan of er overbruggingszorg is.")
        expected = values["expected_start_on"]
        if expected is not None and expected < occurred_on:
            errors["expected_start_on"] = _(
                "De verwachte start kan niet vóór de datum van de stap liggen."
            )
    elif event_type == wf.ENDED and values["end_reason"] not in codes.EndReason.values:
        errors["end_reason"] = _("Kies de reden van beëindiging.")
    elif (
        event_type == wf.DECLINED
        and values["decline_reason"] not in codes.DeclineReason.values
    ):
        errors["decline_reason"] = _("Kies de reden van afwijzing.")
    return errors


def _same_request(event: ReferralEvent, event_type, occurred_on, note, values) -> bool:
    return (
        event.type == event_type
        and event.occurred_on == occurred_on
        and event.note == note
        and all(getattr(event, name) == value for name, value in values.items())
    )


def _replay(event, event_type, occurred_on, note, type_fields) -> ReferralEvent:
    values = {name: type_fields.get(name) for name in TYPE_FIELDS}
    values["end_reason"] = values["end_reason"] or ""
    values["decline_reason"] = values["decline_reason"] or ""
    if not _same_request(event, event_type, occurred_on, note, values):
        raise IdempotencyKeyReused(event)
    event.replayed = True
    return event


def _insert_event(event: ReferralEvent) -> None:
    """INSERT; the unique-step constraint turns into a refusal.

    No savepoint of its own: the caller's ``transaction.atomic()`` is left by
    the refusal, which rolls back everything the step did (nothing stored).
    """
    try:
        event.save()
    except IntegrityError:
        raise wf.TransitionNotAllowed(
            _("De stap '%(step)s' is al vastgelegd.")
            % {"step": wf.STATUS_LABELS[event.type]}
        ) from None


def _lock_for_step(where: Q) -> Referral:
    """The referral matching ``where`` (a pk or a reference), row-locked (only its
    own row), with the two organisations a step's ``actor_organisation`` usually
    is (so the answer needs no extra read), and the service and referring user a
    notice names. None found: Http404 (nothing stored)."""
    try:
        return (
            Referral.objects.select_related(
                "provider", "referrer_organisation", "service", "referrer_user"
            )
            .select_for_update(of=("self",))
            .get(where)
        )
    except Referral.DoesNotExist:
        raise Http404(_("Verwijzing niet gevonden.")) from None


def _attach_known_organisation(event: ReferralEvent, referral: Referral, actor) -> None:
    """Give the event its organisation from what this request already read
    (the referral's two, or the actor's own: a token's, an iJw sender, a
    user's memberships), so answering with its name costs no query."""
    own = [actor] if isinstance(actor, Organisation) else []
    own += [getattr(actor, "organisation", None)]  # a token's organisation
    if isinstance(actor, User):
        own += [m.organisation for m in registry_permissions.memberships(actor)]
    for organisation in (referral.provider, referral.referrer_organisation, *own):
        if organisation is not None and organisation.pk == event.actor_organisation_id:
            event.actor_organisation = organisation
            return


def _store_derived(referral: Referral, events: list[ReferralEvent]) -> wf.Derived:
    derived = wf.derive(e.as_workflow_event() for e in events)
    for name, value in derived.as_dict().items():
        setattr(referral, name, value)
    referral.save(update_fields=list(wf.Derived.FIELDS))
    return derived


def referral_event_record(
    *,
    referral: Referral,
    type: str,
    occurred_on: date,
    actor,
    note: str = "",
    idempotency_key: str | None = None,
    source: str = wf.SOURCE_APP,
    **type_fields,
) -> ReferralEvent:
    """Record one step on ``referral`` and re-derive its status and dates.

    Steps (STYLE.md): lock the referral row; permission (outsiders: Http404; a
    visible referral but the other side's step: PermissionDenied); idempotency
    (a known key returns the first event with ``replayed = True``; the same key
    with a different step raises IdempotencyKeyReused); ``workflow``
    check_transition and check_date; append the event; derive and save the
    status fields; enqueue notices in the same transaction (outbox); after
    commit, try sending them.

    Type fields: waitlisted → bridging_care (required), expected_start_on
    (optional, not before occurred_on); ended → end_reason (JZ588); declined →
    decline_reason. Errors are ValidationErrors naming the field; on any error
    nothing is stored. ``referral`` (the caller's object) gets the new status.

    ``source=SOURCE_IJW``: the step was reported in an iJw message. ``actor`` is
    then the sending provider ``Organisation``, whose entitlement (AGB of the
    provider or its hoofdaanbieder, child's date of birth) ``ijw.services``
    checked; a reported start may follow any open status (workflow).
    """
    event, derived = _event_record(
        Q(pk=referral.pk),
        type=type,
        occurred_on=occurred_on,
        actor=actor,
        note=note,
        idempotency_key=idempotency_key,
        source=source,
        type_fields=type_fields,
    )
    if derived is not None:
        for name, value in derived.as_dict().items():
            setattr(referral, name, value)
    return event


def referral_event_record_by_reference(
    *,
    reference: str,
    type: str,
    occurred_on: date,
    actor,
    note: str = "",
    idempotency_key: str | None = None,
    **type_fields,
) -> ReferralEvent:
    """``referral_event_record`` for the referral with ``reference`` (the API):
    the referral is read once, locked, instead of looked up and then locked.
    Same invariants, errors and side effects; an unknown reference is Http404
    like a referral the actor may not see. ``event.referral`` is the updated
    referral."""
    event, _derived = _event_record(
        Q(reference=identifiers.normalise_reference(reference)),
        type=type,
        occurred_on=occurred_on,
        actor=actor,
        note=note,
        idempotency_key=idempotency_key,
        source=wf.SOURCE_APP,
        type_fields=type_fields,
    )
    return event


def _event_record(
    where: Q,
    *,
    type: str,
    occurred_on: date,
    actor,
    note: str,
    idempotency_key: str | None,
    source: str,
    type_fields: dict,
) -> tuple[ReferralEvent, wf.Derived | None]:
    """The steps of ``referral_event_record``; ``derived`` is None for a replay."""
    note = (note or "").strip()
    with transaction.atomic():
        locked = _lock_for_step(where)
        if source == wf.SOURCE_IJW:
            if not isinstance(actor, Organisation):
                raise PermissionDenied("An iJw step is recorded for an organisation.")
        else:
            _check_may_record(actor, locked, type)
        # One read of the timeline serves the idempotency check and the workflow.
        events = list(locked.events.order_by("id"))
        if idempotency_key:
            first = next(
                (e for e in events if e.idempotency_key == idempotency_key), None
            )
            if first is not None:
                return _replay(first, type, occurred_on, note, type_fields), None
        event = _new_event(
            locked, events, actor, type, occurred_on, note, type_fields, source
        )
        _attach_known_organisation(event, locked, actor)
        event.idempotency_key = idempotency_key or ""
        _insert_event(event)
        derived = _store_derived(locked, [*events, event])
        mails = notifications.notifications_for_event(event)
        _webhooks_for_event(locked, type)
    if mails:
        # Nothing to send (no notice, or in-app only) costs no query after commit;
        # what a failed try leaves is sent by ``send_notifications``.
        transaction.on_commit(partial(_send_after_commit, locked.pk, type), robust=True)
    event.replayed = False
    return event, derived


def _webhooks_for_event(referral: Referral, event_type: str) -> None:
    """Every step to the referrer's systems; a withdrawal also to the provider's."""
    webhooks.enqueue(
        webhook_events.REFERRAL_STEP_RECORDED,
        referral,
        for_provider=False,
        for_referrer=True,
    )
    if event_type == wf.WITHDRAWN:
        webhooks.enqueue(
            webhook_events.REFERRAL_WITHDRAWN,
            referral,
            for_provider=True,
            for_referrer=False,
        )


def referral_event_check(
    *, referral: Referral, type: str, occurred_on: date, actor, note: str = "", **fields
) -> None:
    """Validate a step as ``referral_event_record`` would, storing nothing (for
    a confirmation page). Same errors."""
    _check_may_record(actor, referral, type)
    events = list(referral.events.order_by("id"))
    _new_event(
        referral,
        events,
        actor,
        type,
        occurred_on,
        (note or "").strip(),
        fields,
        wf.SOURCE_APP,
    )


def _new_event(
    referral, events, actor, event_type, occurred_on, note, type_fields, source
):
    """The validated, unsaved event (the workflow decides; nothing else)."""
    reported = source == wf.SOURCE_IJW
    derived = wf.derive(e.as_workflow_event() for e in events)
    if reported:
        wf.check_transition(derived, event_type, reported=True)
    else:
        wf.check_transition(derived, event_type)
    current = [e for e in events if e.retracted_at is None]
    wf.check_date(
        occurred_on=occurred_on,
        referred_on=referral.referred_on,
        today=timezone.localdate(),
        last_event_on=current[-1].occurred_on if current else None,
    )
    event = ReferralEvent(
        referral=referral,
        type=event_type,
        occurred_on=occurred_on,
        actor=actor if isinstance(actor, User) else None,
        actor_organisation_id=(
            actor.pk
            if reported
            else perms.acting_organisation_id(actor, referral, event_type)
        ),
        note=note,
        source=source,
        **_type_field_values(event_type, occurred_on, type_fields),
    )
    # A token acts for its organisation, not a person: no actor then.
    # ``referral`` is the locked row itself: checking that it exists is a query.
    event.full_clean(
        exclude=["referral", "actor", "actor_organisation"],
        validate_unique=False,
        validate_constraints=False,
    )
    return event


def _send_after_commit(referral_id: int, event_type: str) -> None:
    if settings.NOTIFICATION_SEND_ON_COMMIT and event_type in (
        "new",
        "corrected",
        wf.STARTED,
        wf.DECLINED,
        wf.WITHDRAWN,
    ):
        notifications.notification_send_due(referral_id=referral_id)


def referral_mark_opened(*, actor, referral: Referral) -> bool:
    """Record that the provider side opened ``referral`` for the first time (the
    inbox shows "nieuw" until then). Anyone else opening it changes nothing.
    Returns True when this call marked it. One conditional UPDATE, so two
    people opening it at once keep the first moment."""
    if referral.provider_opened_at is not None:
        return False
    if perms.referral_view(actor, referral) != perms.PROVIDER:
        return False
    now = timezone.now()
    marked = Referral.objects.filter(
        pk=referral.pk, provider_opened_at__isnull=True
    ).update(provider_opened_at=now)
    if marked:
        referral.provider_opened_at = now
    return bool(marked)


# --- correcting a step ---------------------------------------------------------


def retractable_event(actor, referral: Referral, events) -> ReferralEvent | None:
    """The step ``actor`` may mark as recorded in error: the latest step still
    counting, if it is the provider's and the actor acts for the provider."""
    active = [e for e in events if e.retracted_at is None]
    if not active or active[-1].type not in wf.PROVIDER_EVENTS:
        return None
    last = active[-1]
    return last if perms.can_record_event(actor, referral, last.type) else None


def referral_event_retract(
    *, referral: Referral, event_id: int, actor, reason: str
) -> ReferralEvent:
    """Mark the provider's latest step as recorded in error, with a reason.

    Invariants: nothing is deleted (the step stays in the timeline, marked);
    status and dates are derived again without it (``workflow.derive``); only
    the latest step that still counts, and only by the provider side (who
    recorded it), so the timeline stays a valid path. Errors: Http404 for
    outsiders; PermissionDenied for the referrer or a school; ValidationError on
    ``reason`` (empty, or a BSN) or ``event`` (not the latest provider step);
    nothing changes then. Side effects: a notice to the referring user (app +
    e-mail, outbox), sent after commit.
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if not perms.can_see_referral(actor, locked):
            raise Http404(_("Verwijzing niet gevonden."))
        if not perms.can_record_event(actor, locked, wf.RECEIVED):
            raise PermissionDenied(_("Alleen de aanbieder kan een stap corrigeren."))
        events = list(locked.events.order_by("id"))
        event = retractable_event(actor, locked, events)
        if event is None or event.pk != event_id:
            message = _(
                "Alleen de laatste stap van de aanbieder kan als fout worden "
                "gemarkeerd."
            )
            raise ValidationError({"event": message})
        if not reason:
            raise ValidationError({"reason": _("Geef aan wat er fout was.")})
        try:
            rv.validate_no_bsn(reason)
        except ValidationError as exc:
            raise ValidationError({"reason": exc.messages}) from None
        by = actor if isinstance(actor, User) else None
        derived = _mark_retracted(locked, event, events, reason=reason, by=by)
    for name, value in derived.as_dict().items():
        setattr(referral, name, value)
    return event


def referral_event_retract_reported(*, event: ReferralEvent, reason: str) -> None:
    """Mark a step that an iJw message reported as withdrawn (StatusAanlevering
    3): the same correction as ``referral_event_retract``, under the same row
    lock; ``ijw.services`` checked who sent the withdrawal."""
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=event.referral_id)
        events = list(locked.events.order_by("id"))
        current = next(e for e in events if e.pk == event.pk)
        _mark_retracted(locked, current, events, reason=reason, by=None)


def _mark_retracted(locked, event, events, *, reason: str, by) -> wf.Derived:
    """Mark ``event`` (one of ``events``, the locked referral's) as recorded in
    error, derive the status again and tell the referrer and the provider's
    systems (outbox; sent after commit)."""
    event.retracted_at = timezone.now()
    event.retracted_by = by
    event.retraction_reason = reason
    event.save(update_fields=["retracted_at", "retracted_by", "retraction_reason"])
    derived = _store_derived(locked, events)
    notifications.notifications_for_retraction(event)
    webhooks.enqueue(
        webhook_events.REFERRAL_CORRECTED,
        locked,
        for_provider=True,
        for_referrer=False,
    )
    transaction.on_commit(
        partial(_send_after_commit, locked.pk, "corrected"), robust=True
    )
    return derived


# --- access log ---------------------------------------------------------------


def _log_organisation_id(actor, referral: Referral, views=None) -> int | None:
    """The organisation through which the reader was entitled: for a
    hoofdaanbieder's user (or key) reading an onderaannemer's referral, the
    hoofdaanbieder, not the onderaannemer. ``views``: see
    ``access_log_record_many``."""
    if actor is None:
        return None
    if views is not None:
        return perms.reading_organisation_id(actor, referral, views[referral.pk])
    return perms.acting_organisation_id(actor, referral)


def _log_entry(actor, referral: Referral, purpose: str, views=None) -> AccessLogEntry:
    user = actor if isinstance(actor, User) else None
    return AccessLogEntry(
        referral_id=referral.pk,  # a Referral, or a list's row of one
        user=user,
        organisation_id=_log_organisation_id(actor, referral, views),
        purpose=purpose,
    )


def access_log_record(*, actor, referral: Referral, purpose: str) -> AccessLogEntry:
    """Log that ``actor`` (a user, an API token or None for a family) read the
    personal data of ``referral`` in view ``purpose``. One INSERT."""
    entry = _log_entry(actor, referral, purpose)
    entry.save()
    return entry


def access_log_record_many(
    *, actor, referrals, purpose: str, views: dict | None = None
) -> None:
    """The same for a list page: one INSERT for all its rows, each with the
    organisation of its own entitlement. ``views``: each referral's
    ``perms.referral_view`` for ``actor`` by pk, when the caller has decided
    them already (the API list, for its lines as well); otherwise decided here.

    On PostgreSQL the rows go as two arrays (referral, organisation) with the
    reader, purpose and moment once: no model object per row, so logging a
    page of 100 costs about what its SQL costs (``bulk_create`` spent several
    times that in Python).
    """
    referrals = list(referrals)
    if not referrals:
        return
    if connection.vendor != "postgresql":
        entries = [
            _log_entry(actor, referral, purpose, views) for referral in referrals
        ]
        AccessLogEntry.objects.bulk_create(entries)
        return
    user = actor if isinstance(actor, User) else None
    table = AccessLogEntry._meta.db_table
    # Our own table name; the values are parameters.
    sql = (
        f'INSERT INTO "{table}" (referral_id, user_id, organisation_id, purpose, at)'  # noqa: S608
        " SELECT entry.referral, %s, entry.organisation, %s, %s"
        " FROM unnest(%s::bigint[], %s::bigint[]) AS entry(referral, organisation)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                getattr(user, "pk", None),
                purpose,
                timezone.now(),
                [referral.pk for referral in referrals],
                [
                    _log_organisation_id(actor, referral, views)
                    for referral in referrals
                ],
            ],
        )


# --- family status ------------------------------------------------------------


def _throttle_key(value: str) -> str:
    digest = salted_hmac("referrals.status-throttle", value, algorithm="sha256")
    return digest.hexdigest()


@dataclass(frozen=True)
class _Limit:
    scope: str
    key: str
    maximum: int


def _limits(code: str, client_address: str) -> list[_Limit]:
    return [
        _Limit(
            StatusLookupFailure.Scope.CODE,
            _throttle_key(code),
            settings.FAMILY_STATUS_MAX_ATTEMPTS,
        ),
        _Limit(
            StatusLookupFailure.Scope.ADDRESS,
            _throttle_key(client_address or "unknown"),
            settings.FAMILY_STATUS_MAX_ATTEMPTS_PER_ADDRESS,
        ),
    ]


def _over_limit(limits: list[_Limit], since) -> bool:
    """Whether any limit's attempts since ``since`` exceed its maximum (one
    query: a count per limit)."""
    each = [Q(scope=limit.scope, key=limit.key) for limit in limits]
    attempts = StatusLookupFailure.objects.filter(reduce(operator.or_, each))
    counts = attempts.filter(at__gte=since).aggregate(
        **{f"n{number}": Count("pk", filter=q) for number, q in enumerate(each)}
    )
    return any(
        counts[f"n{number}"] > limit.maximum for number, limit in enumerate(limits)
    )


# What the family's status page never shows: the service's long texts and its
# search document, the organisations' descriptions (most of a full row).
_FAMILY_STATUS_DEFERRED = (
    "service__description",
    "service__how_to_refer",
    "service__search_text",
    "service__search_vector",
    "provider__description",
    "referrer_organisation__description",
)


def family_status_check(
    *, family_code: str, birth_date: date | None, client_address: str
) -> Referral | None:
    """The referral for a family code + the child's date of birth, or None.

    Unknown code and wrong date of birth give the same None (and take the same
    path). Throttling is strict under concurrency: the attempt is first stored
    as a failure (an INSERT every process sees), then counted; over the limit
    per code or per client address within FAMILY_STATUS_WINDOW_MINUTES raises
    TooManyAttempts (that attempt is not counted). A right answer removes its
    own failure row and logs a "family_status" access entry (no user).
    """
    code = identifiers.normalise_family_code(family_code)
    now = timezone.now()
    since = now - timedelta(minutes=settings.FAMILY_STATUS_WINDOW_MINUTES)
    limits = _limits(code, client_address)
    rows = StatusLookupFailure.objects.bulk_create(
        [StatusLookupFailure(scope=lim.scope, key=lim.key, at=now) for lim in limits]
    )
    ids = [row.pk for row in rows]
    if _over_limit(limits, since):
        StatusLookupFailure.objects.filter(pk__in=ids).delete()
        raise TooManyAttempts
    referral = (
        Referral.objects.select_related("service", "provider", "referrer_organisation")
        .defer(*_FAMILY_STATUS_DEFERRED)
        .filter(family_code=code, child_birth_date__isnull=False)
        .first()
    )
    if referral is None or referral.child_birth_date != birth_date:
        StatusLookupFailure.objects.filter(at__lt=since).delete()
        return None
    StatusLookupFailure.objects.filter(pk__in=ids).delete()
    access_log_record(actor=None, referral=referral, purpose="family_status")
    return referral


# --- retention ----------------------------------------------------------------


def _idle(quiet_since: date) -> QuerySet[Referral]:
    """Referrals with personal data on which nothing happened after ``quiet_since``:
    made on or before it, and no step dated or recorded after it. Recording a
    step counts the day it is recorded, even when the step is dated earlier."""
    after = timezone.make_aware(datetime.combine(quiet_since, time.min))
    after += timedelta(days=1)
    recent = ReferralEvent.objects.filter(referral=OuterRef("pk")).filter(
        Q(occurred_on__gt=quiet_since) | Q(recorded_at__gte=after)
    )
    return Referral.objects.filter(
        referred_on__lte=quiet_since, personal_data_purged_at__isnull=True
    ).exclude(Exists(recent))


def referral_purge_personal_data(*, today: date | None = None) -> dict[str, int]:
    """Remove the child's initials and date of birth, the help question, the
    parent's name, phone and e-mail (the e-mail also on notices to the parent)
    and the event notes and correction reasons from every referral on which
    nothing has happened for REFERRAL_RETENTION_DAYS, whatever its status (a
    stalled or never-ended referral too; DESIGN.md "Retention").

    Invariants: status, milestone dates, events (but their notes), notices to
    professionals and the access log stay (anonymous timings for statistics);
    ``personal_data_purged_at`` marks the referral; running it again changes
    nothing. Returns counts: referrals, notes, notifications.
    """
    today = today or timezone.localdate()
    quiet_since = today - timedelta(days=settings.REFERRAL_RETENTION_DAYS)
    with transaction.atomic():
        ids = list(_idle(quiet_since).select_for_update().values_list("pk", flat=True))
        notes = (
            ReferralEvent.objects.filter(referral_id__in=ids)
            .exclude(note="", retraction_reason="")
            .update(note="", retraction_reason="")
        )
        mails = (
            Notification.objects.filter(referral_id__in=ids, recipient_user=None)
            .exclude(recipient_email="")
            .update(recipient_email="")
        )
        purged = Referral.objects.filter(pk__in=ids).update(
            child_initials="",
            child_birth_date=None,
            help_question="",
            parent_name="",
            parent_phone="",
            parent_email="",
            personal_data_purged_at=timezone.now(),
        )
    return {"referrals": purged, "notes": notes, "notifications": mails}


def _last_activity(referral: Referral) -> date:
    days = [referral.referred_on, referral.last_step_on]
    if referral.last_recorded_at is not None:
        days.append(timezone.localtime(referral.last_recorded_at).date())
    return max(day for day in days if day is not None)


def referral_warn_before_purge(*, today: date | None = None) -> int:
    """Warn referrer and provider REFERRAL_RETENTION_WARNING_DAYS before a
    referral's personal data is purged. Returns the number of referrals warned
    about now.

    Recipients: the referring user (if still a member of the referring
    organisation, else that organisation's admins) and the provider's admins
    (its members if it has none); in the app and by e-mail through the outbox.
    The notice holds the reference, the date and a link, never personal data.
    Once per quiet period: the dedupe key holds the date of the last activity,
    so a referral that becomes active again is warned again before its purge.
    """
    today = today or timezone.localdate()
    lead = settings.REFERRAL_RETENTION_DAYS - settings.REFERRAL_RETENTION_WARNING_DAYS
    candidates = (
        _idle(today - timedelta(days=max(lead, 0)))
        .annotate(
            last_step_on=Max("events__occurred_on"),
            last_recorded_at=Max("events__recorded_at"),
        )
        .select_related("referrer_user")
        .order_by("pk")
    )
    contacts: dict[int, list[User]] = {}
    warned = 0
    for referral in candidates.iterator(chunk_size=500):
        last = _last_activity(referral)
        purge_on = last + timedelta(days=settings.REFERRAL_RETENTION_DAYS)
        recipients = _retention_recipients(referral, contacts)
        with transaction.atomic():
            warned += notifications.notification_enqueue_retention_warning(
                referral=referral,
                recipients=recipients,
                last_activity_on=last,
                purge_on=purge_on,
            )
    return warned


def _organisation_contacts(organisation_id: int, cache: dict) -> list[User]:
    """Active members of an organisation: its admins, or all if it has none."""
    if organisation_id not in cache:
        members = Membership.objects.filter(
            organisation_id=organisation_id, user__is_active=True
        ).select_related("user")
        admins = [m.user for m in members if m.role == Membership.Role.ADMIN]
        cache[organisation_id] = admins or [m.user for m in members]
    return cache[organisation_id]


def _retention_recipients(referral: Referral, cache: dict) -> list[User]:
    referrer = _organisation_contacts(referral.referrer_organisation_id, cache)
    members = Membership.objects.filter(
        organisation_id=referral.referrer_organisation_id,
        user_id=referral.referrer_user_id,
        user__is_active=True,
    )
    if referral.referrer_user_id and members.exists():
        referrer = [referral.referrer_user]
    provider = _organisation_contacts(referral.provider_id, cache)
    unique = {user.pk: user for user in [*referrer, *provider]}
    return list(unique.values())


def response_norms_ensure() -> None:
    """Seed ``DEFAULT_NORMS`` when no norm is stored (a new or flushed
    database); norms the municipality changed are left alone."""
    if ResponseNorm.objects.exists():
        return
    ResponseNorm.objects.bulk_create(
        ResponseNorm(urgency=urgency, step=step, amount=amount, unit=unit)
        for urgency, step, amount, unit in DEFAULT_NORMS
    )
