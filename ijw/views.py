"""Pages: the family questionnaire (/ervaring/<token>, no account) and the
messaging compliance report for municipality staff (/regie/ijw and CSV)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from dashboard.tables import csv_value
from ijw import experience as exp
from ijw import permissions as perms
from ijw import selectors
from ijw.forms import ExperienceForm
from sociale_kaart import csvsafe


@never_cache
@require_http_methods(["GET", "POST"])
def experience(request, token: str):
    invitation = exp.invitation_for_token(token)
    if invitation is None:
        raise Http404
    context = {"provider": invitation.referral.provider}
    if invitation.answered:
        return render(request, "ijw/experience_done.html", context)
    form = ExperienceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exp.experience_answer_submit(invitation=invitation, data=form.cleaned_data)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    form.add_error(None if name == "__all__" else name, message)
        else:
            return render(request, "ijw/experience_done.html", context)
    status = 400 if request.method == "POST" else 200
    context["form"] = form
    return render(request, "ijw/experience.html", context, status=status)


def _require_city(request) -> None:
    if not perms.can_view_compliance(request.user):
        raise PermissionDenied


@require_GET
@login_required
def compliance(request):
    _require_city(request)
    context = {
        "report": selectors.compliance_report(),
        "experience": selectors.experience_summary(),
        "working_days": settings.IJW_REPORT_WORKING_DAYS,
        "min_answers": settings.EXPERIENCE_MIN_ANSWERS,
        "city_user": True,
    }
    return render(request, "ijw/compliance.html", context)


CSV_COLUMNS = [
    ("provider", _("Aanbieder"), "text"),
    ("perceel", _("Perceel"), "text"),
    ("starts", _("Startberichten (JW305)"), "count"),
    ("starts_share", _("Start binnen termijn (%)"), "share"),
    ("ends", _("Stopberichten (JW307)"), "count"),
    ("ends_share", _("Stop binnen termijn (%)"), "share"),
    ("no_start_4_weeks", _("Toewijzing zonder start na 4 weken"), "count"),
    ("no_start_8_weeks", _("Toewijzing zonder start na 8 weken"), "count"),
    ("hand_only_starts", _("Start alleen in de app, niet via iJw"), "count"),
]
MONTH_COLUMNS = [
    ("month", _("Maand"), "month"),
    ("starts", _("Startberichten (JW305)"), "count"),
    ("starts_share", _("Start binnen termijn (%)"), "share"),
    ("ends", _("Stopberichten (JW307)"), "count"),
    ("ends_share", _("Stop binnen termijn (%)"), "share"),
]


@require_GET
@login_required
def compliance_csv(request):
    _require_city(request)
    report = selectors.compliance_report()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="regie-ijw-{stamp}.csv"'
    response.write("\ufeff")
    writer = csvsafe.writer(response, delimiter=";")
    writer.writerow([str(label) for _name, label, _kind in CSV_COLUMNS])
    for row in report.rows:
        writer.writerow(
            [csv_value(getattr(row, name), kind) for name, _l, kind in CSV_COLUMNS]
        )
    writer.writerow([])
    writer.writerow([str(label) for _name, label, _kind in MONTH_COLUMNS])
    for month in report.months:
        writer.writerow(
            [csv_value(month[name], kind) for name, _l, kind in MONTH_COLUMNS]
        )
    return response
