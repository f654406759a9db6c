"""Receiving iJw messages: match them to referrals and record what they tell.

``ijw_message_receive`` is the one entry (the API view and ``import_ijw`` are
adapters). Per message, all or nothing in one transaction:

1. read and validate (``ijw.messages``): an invalid message is refused with the
   schema error and nothing is stored;
2. a second delivery (same type, sender and BerichtIdentificatie) changes
   nothing and answers "duplicate";
3. match without a BSN: JW315/JW301/JW319 by ``ReferentieAanbieder`` = the
   referral reference (VW-…); JW305/JW307 by the JW301's ToewijzingNummer;
4. entitlement: the provider's AGB (sender of JW315/JW305/JW307, receiver of
   JW301/JW319) is the referral's provider's or, for a subcontractor, its
   hoofdaanbieder's for the referral's perceel; the client's date of birth
   equals the referral's. Otherwise the message is refused (ValidationError
   naming the element) and reported in the log with numbers only;
5. effects: reports on the timeline; a start or end records the referral step
   through ``referrals.services.referral_event_record`` (source iJw), unless
   the provider recorded it by hand (then both dates show);
   StatusAanlevering 3 withdraws an earlier report (``_retract_event``);
6. a JW305/JW307 line whose allocation is unknown waits (``PendingProduct``)
   until its JW301 arrives, at most IJW_QUEUE_DAYS.

Personal data: the BSN, names and addresses are never read out of the XML; the
date of birth is compared and dropped (a waiting line keeps a keyed hash).
"""

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from ijw import experience, messages
from ijw.models import Allocation, Message, PendingProduct, Report
from referrals import identifiers
from referrals import services as referral_services
from referrals import workflow as wf
from referrals.models import Referral, ReferralEvent
from registry.models import Organisation, Subcontract

# The reason a correction names when an iJw message withdrew the report.
IJW_RETRACTION_REASON = "Ingetrokken via iJw-berichtenverkeer (StatusAanlevering 3)."

logger = logging.getLogger("ijw")
Step = Report.Step
DUPLICATE = "duplicate"


@dataclass
class Outcome:
    """What one message did: for the API answer and the import's report."""

    kind: str
    identification: str
    outcome: str  # processed | queued | not_ours | duplicate
    effects: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "bericht": self.kind,
            "identificatie": self.identification,
            "uitkomst": self.outcome,
            "effecten": self.effects,
        }


# --- entry --------------------------------------------------------------------


def ijw_message_receive(
    *, data: bytes, delivered_by: Organisation | None = None
) -> Outcome:
    """Receive one iJw message (XML bytes). Returns its ``Outcome``.

    Errors: ``ValidationError`` naming the element path (schema) or the
    element that failed a check (``Afzender``, ``Client/Geboortedatum``, …);
    nothing is stored then. Side effects: rows in ijw, referral steps and
    their notifications (outbox), experience invitations for ended help.
    """
    message = messages.read(data)
    try:
        with transaction.atomic():
            outcome = _receive(message, delivered_by)
    except ValidationError as exc:
        logger.warning(
            "ijw message refused",
            extra={
                "ijw_kind": message.kind,
                "ijw_sender": message.sender,
                "ijw_identification": message.identification,
                "ijw_fields": sorted(getattr(exc, "error_dict", {}) or ["bericht"]),
            },
        )
        raise
    logger.info(
        "ijw message received",
        extra={
            "ijw_kind": message.kind,
            "ijw_sender": message.sender,
            "ijw_identification": message.identification,
            "ijw_outcome": outcome.outcome,
        },
    )
    return outcome


def _receive(message: messages.Message, delivered_by) -> Outcome:
    row = Message(
        kind=message.kind,
        sender=message.sender,
        receiver=message.receiver,
        identification=message.identification,
        dated_on=message.dated_on,
        delivered_by=delivered_by,
        outcome=Message.Outcome.PROCESSED,
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return Outcome(message.kind, message.identification, DUPLICATE)
    outcome = Outcome(message.kind, message.identification, "")
    handler = _HANDLERS[message.kind]
    matched = queued = 0
    for index, product in enumerate(message.products):
        result = handler(message, product, row, outcome.effects, index)
        matched += result == "matched"
        queued += result == "queued"
    row.outcome = (
        Message.Outcome.PROCESSED
        if matched
        else Message.Outcome.QUEUED
        if queued
        else Message.Outcome.NOT_OURS
    )
    row.save(update_fields=["outcome"])
    outcome.outcome = row.outcome
    return outcome


# --- matching and entitlement -------------------------------------------------


def _referral_for(reference: str) -> Referral | None:
    reference = identifiers.normalise_reference(reference)
    if not reference.startswith(identifiers.REFERENCE_PREFIX):
        return None
    return (
        Referral.objects.select_related("provider", "perceel")
        .filter(reference=reference)
        .first()
    )


def entitled_agbs(referral: Referral) -> set[str]:
    """AGB codes that may report on ``referral``: its provider's and, for an
    onderaannemer, its hoofdaanbieders' for the referral's perceel."""
    agbs = {referral.provider.agb}
    agbs |= set(
        Subcontract.objects.filter(
            subcontractor_id=referral.provider_id,
            contract__perceel_id=referral.perceel_id,
        ).values_list("contract__organisation__agb", flat=True)
    )
    return {agb for agb in agbs if agb}


def _provider_for(referral: Referral, agb: str, element: str) -> Organisation:
    if agb not in entitled_agbs(referral):
        raise ValidationError(
            {
                element: [
                    _(
                        "AGB-code %(agb)s is niet de aanbieder (of diens "
                        "hoofdaanbieder) van verwijzing %(reference)s."
                    )
                    % {"agb": agb, "reference": referral.reference}
                ]
            }
        )
    if referral.provider.agb == agb:
        return referral.provider
    return Organisation.objects.filter(agb=agb).first()


def _check_birth_date(referral: Referral, born: date | None, index: int) -> None:
    if referral.child_birth_date is None or referral.child_birth_date != born:
        raise ValidationError(
            {
                "Client/Geboortedatum": [
                    _(
                        "De geboortedatum van de cliënt past niet bij verwijzing "
                        "%(reference)s (product %(line)s)."
                    )
                    % {"reference": referral.reference, "line": index + 1}
                ]
            }
        )


def _birth_date_digest(born: date | None) -> str:
    value = born.isoformat() if born else ""
    return salted_hmac("ijw.birth-date", value, algorithm="sha256").hexdigest()


# --- JW315, JW301, JW319 --------------------------------------------------------


def _on_request(message, product, row, effects, index) -> str:
    referral = _referral_for(product.reference)
    if referral is None:
        return "not_ours"
    _provider_for(referral, message.sender, "Afzender")
    _check_birth_date(referral, message.birth_date, index)
    Report.objects.create(
        referral=referral,
        step=Step.REQUESTED,
        occurred_on=message.dated_on,
        reported_on=message.dated_on,
        message=row,
    )
    effects.append(f"{referral.reference}: {Step.REQUESTED.label}")
    return "matched"


def _on_allocation(message, product, row, effects, index) -> str:
    referral = _referral_for(product.reference)
    if referral is None:
        return "not_ours"
    _provider_for(referral, message.receiver, "Ontvanger")
    _check_birth_date(referral, message.birth_date, index)
    allocation = Allocation.objects.filter(
        municipality_code=message.sender, number=product.allocation_number
    ).first()
    if allocation is not None and allocation.referral_id != referral.pk:
        raise ValidationError(
            {
                "ToegewezenProduct/ToewijzingNummer": [
                    _("Toewijzing %(number)s hoort al bij een andere verwijzing.")
                    % {"number": product.allocation_number}
                ]
            }
        )
    values = {
        "provider_agb": message.receiver,
        "product_category": product.category,
        "product_code": product.code,
        "allocated_on": product.allocated_on,
        "valid_from": product.valid_from,
        "valid_until": product.valid_until,
        "message": row,
    }
    if allocation is not None:  # a changed allocation (RedenWijziging): new dates
        Allocation.objects.filter(pk=allocation.pk).update(**values)
        effects.append(f"{referral.reference}: {product.allocation_number}")
        return "matched"
    allocation = Allocation.objects.create(
        municipality_code=message.sender,
        number=product.allocation_number,
        referral=referral,
        **values,
    )
    Report.objects.create(
        referral=referral,
        step=Step.ALLOCATED,
        occurred_on=product.allocated_on,
        reported_on=message.dated_on,
        message=row,
        allocation=allocation,
    )
    effects.append(f"{referral.reference}: {Step.ALLOCATED.label}")
    _match_pending(allocation, effects)
    return "matched"


def _on_answer(message, product, row, effects, index) -> str:
    referral = _referral_for(product.reference)
    if referral is None:
        return "not_ours"
    _provider_for(referral, message.receiver, "Ontvanger")
    step = Step.REFUSED if product.answer == "1" else Step.INVESTIGATING
    Report.objects.create(
        referral=referral,
        step=step,
        occurred_on=message.dated_on,
        reported_on=message.dated_on,
        message=row,
        reason=product.refusal_reason,
    )
    effects.append(f"{referral.reference}: {step.label}")
    return "matched"


# --- JW305 and JW307 ------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    """A start or stop line, from a message or from the queue."""

    kind: str
    sender: str
    reported_on: date
    begin_on: date | None
    end_on: date | None
    end_reason: str
    status: str


def _on_start_or_stop(message, product, row, effects, index) -> str:
    line = _Line(
        kind=message.kind,
        sender=message.sender,
        reported_on=message.dated_on,
        begin_on=product.begin_on,
        end_on=product.end_on,
        end_reason=product.end_reason,
        status=product.status,
    )
    allocation = (
        Allocation.objects.select_related("referral")
        .filter(municipality_code=message.receiver, number=product.allocation_number)
        .first()
    )
    if allocation is None:
        PendingProduct.objects.create(
            message=row,
            municipality_code=message.receiver,
            allocation_number=product.allocation_number,
            birth_date_digest=_birth_date_digest(message.birth_date),
            begin_on=line.begin_on,
            end_on=line.end_on,
            end_reason=line.end_reason,
            status=line.status,
            expires_on=timezone.localdate() + timedelta(days=settings.IJW_QUEUE_DAYS),
        )
        effects.append(f"{product.allocation_number}: {_('wacht op toewijzing')}")
        return "queued"
    _check_birth_date(allocation.referral, message.birth_date, index)
    _apply(allocation, line, row, effects)
    return "matched"


def _apply(allocation: Allocation, line: _Line, row: Message, effects) -> None:
    referral = allocation.referral
    organisation = _provider_for(referral, line.sender, "Afzender")
    step = Step.STARTED if line.kind == "JW305" else Step.ENDED
    if line.status == messages.STATUS_DELETE:
        _retract(allocation, step, line, row)
        effects.append(f"{referral.reference}: {step.label} {_('ingetrokken')}")
        return
    if line.status != messages.STATUS_NEW:
        raise ValidationError(
            {
                "StatusAanlevering": [
                    _("Alleen StatusAanlevering 1 of 3 wordt verwerkt.")
                ]
            }
        )
    _refuse_second_report(allocation, step)
    if step == Step.STARTED:
        event = _record(referral, organisation, wf.STARTED, line.begin_on)
        occurred_on = line.begin_on
    else:
        _record(referral, organisation, wf.STARTED, line.begin_on)
        event = _record(
            referral, organisation, wf.ENDED, line.end_on, end_reason=line.end_reason
        )
        occurred_on = line.end_on
        experience.experience_invitation_create(referral=referral)
    Report.objects.create(
        referral=referral,
        step=step,
        occurred_on=occurred_on,
        reported_on=line.reported_on,
        message=row,
        allocation=allocation,
        event=event,
        reason=line.end_reason,
    )
    effects.append(f"{referral.reference}: {step.label} {occurred_on.isoformat()}")


def _active_reports(allocation: Allocation, step: str):
    return Report.objects.filter(
        allocation=allocation, step=step, retracted_at__isnull=True
    )


def _refuse_second_report(allocation: Allocation, step: str) -> None:
    if _active_reports(allocation, step).exists():
        raise ValidationError(
            {
                "StatusAanlevering": [
                    _(
                        "Voor toewijzing %(number)s is deze stap al gemeld; trek de "
                        "melding eerst in (StatusAanlevering 3)."
                    )
                    % {"number": allocation.number}
                ]
            }
        )


def _record(referral, organisation, event_type, occurred_on, **type_fields):
    """Record the step via iJw unless it is recorded already (by hand or by an
    earlier message): then None, and the timeline shows both dates."""
    if event_type in _recorded_types(referral):
        return None
    try:
        return referral_services.referral_event_record(
            referral=referral,
            type=event_type,
            occurred_on=occurred_on,
            actor=organisation,
            source=wf.SOURCE_IJW,
            **type_fields,
        )
    except ValidationError as exc:
        raise _as_elements(exc, event_type) from None


def _as_elements(exc: ValidationError, event_type: str) -> ValidationError:
    """The workflow's refusal, named after the message's elements."""
    date_element = "Begindatum" if event_type == wf.STARTED else "Einddatum"
    names = {
        "occurred_on": date_element,
        "type": "StatusAanlevering",
        "end_reason": "RedenBeeindiging",
    }
    if not hasattr(exc, "error_dict"):
        return ValidationError({date_element: exc.messages})
    return ValidationError(
        {names.get(name, name): texts for name, texts in exc.message_dict.items()}
    )


def _recorded_types(referral: Referral) -> set[str]:
    return set(
        referral.events.filter(retracted_at__isnull=True).values_list("type", flat=True)
    )


def _retract(allocation: Allocation, step: str, line: _Line, row: Message) -> None:
    report = _active_reports(allocation, step).order_by("-id").first()
    if report is None:
        raise ValidationError(
            {
                "StatusAanlevering": [
                    _(
                        "Er is geen eerdere melding voor toewijzing %(number)s "
                        "om in te trekken."
                    )
                    % {"number": allocation.number}
                ]
            }
        )
    if step == Step.STARTED and _active_reports(allocation, Step.ENDED).exists():
        raise ValidationError(
            {
                "StatusAanlevering": [
                    _("Trek eerst de stopmelding (JW307) van deze toewijzing in.")
                ]
            }
        )
    if report.event_id and _has_later_steps(report.event):
        raise ValidationError(
            {
                "StatusAanlevering": [
                    _(
                        "Na deze stap zijn in de app nog stappen vastgelegd; de "
                        "melding kan niet worden ingetrokken."
                    )
                ]
            }
        )
    report.retracted_at = timezone.now()
    report.retracted_by = row
    report.save(update_fields=["retracted_at", "retracted_by"])
    if report.event_id:
        _retract_event(event=report.event)


def _has_later_steps(event: ReferralEvent) -> bool:
    return ReferralEvent.objects.filter(
        referral_id=event.referral_id, pk__gt=event.pk, retracted_at__isnull=True
    ).exists()


def _retract_event(*, event: ReferralEvent) -> None:
    """Withdraw a step that an iJw message had recorded (StatusAanlevering 3):
    the referrals app's correction, with the iJw reason. A later step recorded
    on top of it must be withdrawn first; ``_retract`` refuses otherwise."""
    referral_services.referral_event_retract_reported(
        event=event, reason=IJW_RETRACTION_REASON
    )


# --- the queue ------------------------------------------------------------------


def _match_pending(allocation: Allocation, effects: list[str]) -> None:
    """Apply the lines that waited for this allocation, oldest first."""
    waiting = PendingProduct.objects.select_related("message").filter(
        municipality_code=allocation.municipality_code,
        allocation_number=allocation.number,
    )
    referral = allocation.referral
    for pending in waiting.order_by("id"):
        if pending.birth_date_digest != _birth_date_digest(referral.child_birth_date):
            raise ValidationError(
                {
                    "Client/Geboortedatum": [
                        _(
                            "Een wachtend bericht voor toewijzing %(number)s heeft "
                            "een andere geboortedatum dan verwijzing %(reference)s."
                        )
                        % {"number": allocation.number, "reference": referral.reference}
                    ]
                }
            )
        line = _Line(
            kind=pending.message.kind,
            sender=pending.message.sender,
            reported_on=pending.message.dated_on,
            begin_on=pending.begin_on,
            end_on=pending.end_on,
            end_reason=pending.end_reason,
            status=pending.status,
        )
        _apply(allocation, line, pending.message, effects)
        message = pending.message
        pending.delete()
        if not message.pending_products.exists():
            message.outcome = Message.Outcome.PROCESSED
            message.save(update_fields=["outcome"])


def ijw_queue_expire(*, today: date | None = None) -> int:
    """Delete waiting lines past their expiry date; returns how many."""
    today = today or timezone.localdate()
    deleted, _detail = PendingProduct.objects.filter(expires_on__lt=today).delete()
    Message.objects.filter(
        Q(outcome=Message.Outcome.QUEUED), ~Q(pending_products__isnull=False)
    ).update(outcome=Message.Outcome.NOT_OURS)
    return deleted


_HANDLERS = {
    "JW315": _on_request,
    "JW301": _on_allocation,
    "JW319": _on_answer,
    "JW305": _on_start_or_stop,
    "JW307": _on_start_or_stop,
}
