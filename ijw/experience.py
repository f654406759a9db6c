"""The family's experience of the help: four short questions once help ended.

- ``experience_invitation_create``: when help ends (by JW307 or by hand; the
  ``invite_experience`` command catches the latter), one invitation per
  referral; if the referral has a parent e-mail address, a link is mailed
  through the notification outbox.
- The link token is an HMAC of the invitation id (nothing secret is stored;
  only its sha256 for the lookup), so the mailed link and the family status
  page show the same link.
- ``experience_answer_submit``: stores the answers apart from the referral:
  provider, perceel and the month help ended, nothing else. The invitation is
  marked answered without a time, so an answer cannot be traced back.
- The optional remark is refused when it holds a BSN (11-proef) or a name.
"""

import hashlib
import re
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from ijw.models import ExperienceAnswer, ExperienceInvitation
from referrals import notifications
from referrals import workflow as wf
from referrals.models import Notification, Referral

QUESTIONS = ("on_time", "helped", "heard")
REMARK_MAX = 500
_DIGIT_RUNS = re.compile(r"\d[\d .\-]{7,14}\d")
_WORD = re.compile(r"[^\W\d_][^\W\d_'’\-]*")
_SENTENCE_END = re.compile(r"[.!?]\s*$")
# Capitalised words that are not names in a family's remark.
_COMMON = {
    "ik",
    "wij",
    "we",
    "mijn",
    "ons",
    "onze",
    "de",
    "het",
    "een",
    "en",
    "maar",
    "dat",
    "die",
    "dit",
    "er",
    "hij",
    "zij",
    "ze",
    "in",
    "op",
    "na",
    "bij",
    "goed",
    "fijn",
    "heel",
    "erg",
    "niet",
    "wel",
    "ja",
    "nee",
    "dank",
    "bedankt",
    "hulp",
    "the",
    "i",
    "my",
    "it",
    "they",
    "thanks",
    "help",
    "very",
    "good",
    "almere",
    "nederland",
    "jeugdhulp",
    "ggz",
    "jgz",
}


def _token(invitation: ExperienceInvitation) -> str:
    return salted_hmac(
        "ijw.experience", str(invitation.pk), algorithm="sha256"
    ).hexdigest()[:40]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def experience_url(invitation: ExperienceInvitation) -> str:
    return reverse("ijw:experience", kwargs={"token": _token(invitation)})


def experience_invitation_create(*, referral: Referral) -> ExperienceInvitation:
    """One invitation per ended referral (a second call returns the first).

    Side effect: the first time, if the referral has a parent address
    (``parent_email``), a notice with the link goes into the outbox.
    """
    with transaction.atomic():
        invitation, created = ExperienceInvitation.objects.get_or_create(
            referral=referral, defaults={"token_hash": f"new-{referral.pk}"}
        )
        if not created:
            return invitation
        invitation.token_hash = _hash(_token(invitation))
        invitation.save(update_fields=["token_hash"])
        address = getattr(referral, "parent_email", "") or ""
        if address:
            _mail(invitation, referral, address)
    return invitation


def _mail(invitation, referral, address: str) -> None:
    link = settings.SITE_URL + experience_url(invitation)
    subject, body = notifications._render(
        "experience_parent", {"referral": referral, "link": link}
    )
    notifications.notification_enqueue(
        kind=Notification.Kind.EXPERIENCE,
        referral=referral,
        dedupe_key=f"experience:{referral.pk}",
        subject=subject,
        body=body,
        recipient_email=address,
    )
    invitation.mailed = True
    invitation.save(update_fields=["mailed"])


def experience_invite_ended(*, limit: int = 1000) -> int:
    """Invite the families of referrals that ended (by hand) without an
    invitation yet; for the periodic ``invite_experience`` command."""
    waiting = (
        Referral.objects.filter(status=wf.ENDED, personal_data_purged_at__isnull=True)
        .exclude(pk__in=ExperienceInvitation.objects.values("referral_id"))
        .order_by("id")[:limit]
    )
    count = 0
    for referral in waiting:
        experience_invitation_create(referral=referral)
        count += 1
    return count


def invitation_for_token(token: str) -> ExperienceInvitation | None:
    return (
        ExperienceInvitation.objects.select_related(
            "referral__provider", "referral__perceel"
        )
        .filter(token_hash=_hash(token or ""))
        .first()
    )


def family_experience_url(referral: Referral) -> str | None:
    """The questionnaire link for the family status page: help ended and not
    answered yet (creates the invitation if the periodic run has not)."""
    if referral.status != wf.ENDED:
        return None
    invitation = experience_invitation_create(referral=referral)
    return None if invitation.answered else experience_url(invitation)


# --- screening the remark -----------------------------------------------------


def is_bsn(digits: str) -> bool:
    """The 11-proef of a Dutch BSN (9 digits)."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 == 0


def _holds_bsn(text: str) -> bool:
    for run in _DIGIT_RUNS.findall(text):
        digits = re.sub(r"\D", "", run)
        if len(digits) == 8:
            digits = "0" + digits
        if is_bsn(digits):
            return True
    return bool(any(is_bsn(m) for m in re.findall(r"\d{9}", text)))


def _holds_name(text: str, allowed: set[str]) -> bool:
    """A capitalised word that does not open a sentence and is not a common
    word or the provider's own name: probably a person's name."""
    previous = ""
    for match in _WORD.finditer(text):
        word = match.group()
        opens_sentence = not previous or _SENTENCE_END.search(text[: match.start()])
        lower = word.lower()
        if (
            word[0].isupper()
            and not opens_sentence
            and lower not in _COMMON
            and lower not in allowed
        ):
            return True
        previous = word
    return False


def screen_remark(text: str, *, allowed_words: set[str]) -> str:
    text = (text or "").strip()
    if len(text) > REMARK_MAX:
        raise ValidationError(
            {"remark": _("Schrijf hoogstens %(max)s tekens.") % {"max": REMARK_MAX}}
        )
    if _holds_bsn(text):
        raise ValidationError(
            {"remark": _("Schrijf geen BSN of ander persoonsnummer op.")}
        )
    if _holds_name(text, allowed_words):
        raise ValidationError(
            {
                "remark": _(
                    "Schrijf geen namen op. Schrijf bijvoorbeeld 'de hulpverlener' "
                    "of 'mijn kind'."
                )
            }
        )
    return text


# --- answering ----------------------------------------------------------------


def _choice_errors(data: dict) -> dict:
    valid = ExperienceAnswer.Answer.values
    errors = {
        name: _("Kies een antwoord.")
        for name in QUESTIONS
        if data.get(name) not in valid
    }
    try:
        mark = int(data.get("mark"))
    except (TypeError, ValueError):
        mark = 0
    if not 1 <= mark <= 10:
        errors["mark"] = _("Kies een cijfer van 1 tot en met 10.")
    return errors


def experience_answer_submit(
    *, invitation: ExperienceInvitation, data: dict
) -> ExperienceAnswer:
    """Store a family's answers once. Errors: ValidationError naming the field
    (``remark`` with a BSN or a name, an unanswered question, a mark outside
    1–10, or ``__all__`` when already answered); nothing is stored then."""
    referral = invitation.referral
    errors = _choice_errors(data)
    allowed = {w.lower() for w in _WORD.findall(referral.provider.name)}
    try:
        remark = screen_remark(data.get("remark", ""), allowed_words=allowed)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = ExperienceInvitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.answered:
            raise ValidationError(_("U heeft de vragen al beantwoord. Dank u wel!"))
        ended = referral.ended_on or date.today()
        answer = ExperienceAnswer(
            provider_id=referral.provider_id,
            perceel_id=referral.perceel_id,
            month=ended.replace(day=1),
            on_time=data["on_time"],
            helped=data["helped"],
            heard=data["heard"],
            mark=int(data["mark"]),
            remark=remark,
        )
        answer.full_clean()
        answer.save()
        locked.answered = True
        locked.save(update_fields=["answered"])
    return answer
