"""Issue 18: the working lists' row HTML is written in Python
(``referrals.rows.inbox_rows_html`` and ``list_rows_html``). Here are the
row loops the list templates had; the HTML must stay what they wrote, byte for
byte, in every status, urgency, view and language."""

# ruff: noqa: E501, F811

from datetime import timedelta

from django.template import Context, Template
from django.utils import timezone, translation

import pytest

from referrals import selectors, views
from referrals import workflow as wf
from referrals.rows import inbox_rows_html, list_rows_html
from registry.models import Perceel
from tests import factories
from tests.referrals.fixtures import make_referral, school_org, school_user  # noqa: F401

pytestmark = pytest.mark.django_db

INBOX_LOOP = Template(
    "{% load i18n %}"
    + """<tbody>{% translate "Referentie" as l_reference %}{% translate "Verwezen op" as l_referred %}{% translate "Kind" as l_child %}{% translate "Aanbod" as l_service %}{% translate "Status" as l_status %}{% translate "Dagen wachten" as l_days %}{% translate "Volgende norm" as l_next %}{% translate "Nieuw" as l_new %}{% translate "Spoed" as l_urgent %}
        {% for row in rows %}{% with referral=row.referral timing=row.timing text=row.text %}
        <tr>
          <td data-label="{{ l_reference }}" class="nowrap"><a class="utrecht-link" href="{{ text.url }}">{{ referral.reference }}</a>{% if referral.urgency == "urgent" or not referral.provider_opened_at %}<div class="flags">{% if not referral.provider_opened_at %}<span class="badge badge--new utrecht-status-badge">{{ l_new }}</span> {% endif %}{% if referral.urgency == "urgent" %}<span class="badge badge--over utrecht-status-badge">{{ l_urgent }}</span>{% endif %}</div>{% endif %}</td>
          <td data-label="{{ l_referred }}" class="nowrap">{{ text.referred_on }}</td>
          <td data-label="{{ l_child }}">{{ referral.child_initials|default:"–" }}{% if referral.child_birth_date %}, <span class="nowrap">{{ text.birth_date }}</span>{% endif %}</td>
          <td data-label="{{ l_service }}">{{ referral.service.name }}{% if not row.own %}<br><span class="subtle">{{ referral.provider.name }}</span>{% endif %}</td>
          <td data-label="{{ l_status }}">{{ text.status }}</td>
          <td data-label="{{ l_days }}" class="numeric">{{ timing.days_waiting }}</td>
          <td data-label="{{ l_next }}">{% if timing.next_deadline %}{{ timing.next_deadline.label }}: <span class="nowrap">{{ row.due_on }}</span>{% if timing.overdue %}<div class="flags">{% for deadline in timing.overdue %}<span class="badge badge--over utrecht-status-badge">{% blocktranslate with label=deadline.label %}{{ label }} te laat{% endblocktranslate %}</span>{% endfor %}</div>{% endif %}{% else %}–{% endif %}</td>
        </tr>
        {% endwith %}{% endfor %}
      </tbody>"""
)
LIST_LOOP = Template(
    "{% load i18n %}"
    + """<tbody>{% translate "Referentie" as l_reference %}{% translate "Verwezen op" as l_referred %}{% translate "Kind" as l_child %}{% translate "Aanbod" as l_service %}{% translate "Status" as l_status %}{% translate "Dagen sinds verwijzing" as l_days %}{% translate "Hulp gestart op" as l_started %}{% translate "Spoed" as l_urgent %}
        {% for row in rows %}{% with referral=row.referral timing=row.timing text=row.text %}
        <tr>
          <td data-label="{{ l_reference }}" class="nowrap"><a class="utrecht-link" href="{{ text.url }}">{{ referral.reference }}</a></td>
          <td data-label="{{ l_referred }}" class="nowrap">{{ text.referred_on }}</td>
          <td data-label="{{ l_child }}">{{ referral.child_initials|default:"–" }}{% if row.view == "school" and referral.child_birth_date %}, <span class="nowrap">{{ text.birth_date }}</span>{% endif %}</td>
          <td data-label="{{ l_service }}">{% if row.view == "school" %}{% blocktranslate with perceel=referral.perceel.display_name %}Jeugdhulp ({{ perceel }}){% endblocktranslate %}{% else %}{{ referral.service.name }}<br><span class="subtle">{{ referral.provider.name }}</span>{% endif %}</td>
          <td data-label="{{ l_status }}">{{ text.status }}
            {% if timing.overdue or row.urgent_open %}<div class="flags">{% for deadline in timing.overdue %}<span class="badge badge--over utrecht-status-badge">{% blocktranslate with label=deadline.label %}Norm verstreken: {{ label }}{% endblocktranslate %}</span>{% endfor %}{% if row.urgent_open %}<span class="badge utrecht-status-badge">{{ l_urgent }}</span>{% endif %}</div>{% endif %}</td>
          <td data-label="{{ l_days }}" class="numeric">{{ timing.days_since_referral }}</td>
          <td data-label="{{ l_started }}" class="nowrap">{{ text.started_on|default:"–" }}</td>
        </tr>
        {% if referral.status == "declined" and row.view == "referrer" %}
        <tr class="alternatives">
          <td></td>
          <td colspan="6">
            <strong>{% translate "Alternatieven" %}</strong> <span class="subtle">({% translate "aanbod in hetzelfde perceel met plek, kortste wachttijd eerst" %})</span>:
            {% for alt in row.alternatives %}<a class="utrecht-link" href="{{ alt.get_absolute_url }}">{{ alt.name }}</a> ({{ alt.organisation.name }}{% if alt.capacity.total_wait_weeks is not None %}, {% blocktranslate count weeks=alt.capacity.total_wait_weeks %}{{ weeks }} week{% plural %}{{ weeks }} weken{% endblocktranslate %}{% endif %}){% if not forloop.last %}; {% endif %}{% empty %}{% translate "geen aanbod met plek gevonden" %}{% endfor %}
          </td>
        </tr>
        {% endif %}
        {% endwith %}{% endfor %}
      </tbody>"""
)

STEPS = [
    (),
    ("received",),
    ("received", "first_contact"),
    ("received", "first_contact", "waitlisted"),
    ("received", "intake"),
    ("received", "intake", "started"),
    ("received", "intake", "started", "ended"),
    ("declined",),
    ("withdrawn",),
]


@pytest.fixture
def referrals(make_referral, provider_org, perceel):
    """Every status, regular and urgent, new and opened, recent and past
    their norms, with and without initials and date of birth; declined ones
    with alternatives (one week, more weeks, no wait known) and without."""
    for name, intake, treatment in [("Alt & Co", 1, 0), ("Alt <b>", 2, 3)]:
        factories.ServiceFactory(
            organisation=provider_org,
            perceel=perceel,
            name=name,
            capacity__status="open",
            capacity__intake_wait_weeks=intake,
            capacity__treatment_wait_weeks=treatment,
            capacity__free_places=1,
        )
    factories.ServiceFactory(
        organisation=provider_org,
        perceel=perceel,
        name="Alt zonder wachttijd",
        capacity__status="open",
        capacity__intake_wait_weeks=None,
        capacity__treatment_wait_weeks=None,
        capacity__free_places=1,
    )
    lonely = factories.ServiceFactory(
        organisation=provider_org,
        perceel=Perceel.objects.exclude(pk=perceel.pk).first(),
        name="Eenzaam <aanbod>",
    )
    made = []
    for number, steps in enumerate(STEPS):
        for urgency in ("regular", "urgent"):
            for days in (3, 60, 400):
                made.append(
                    make_referral(
                        days_ago=days,
                        steps=steps,
                        urgency=urgency,
                        child_initials="" if number % 3 == 0 else "A&B",
                        child_birth_date=None
                        if number % 4 == 1
                        else timezone.localdate() - timedelta(days=3000 + number),
                        provider_opened_at=timezone.now()
                        if (number + days) % 2
                        else None,
                    )
                )
    made.append(
        make_referral(reference="VW-A&B <1>", steps=("declined",), service=lonely)
    )
    return made


def _page(referrals):
    table = selectors.norms_table_cached()
    # As the views read a page: its related rows joined.
    ids = [r.pk for r in referrals]
    return list(
        type(referrals[0])
        .objects.filter(pk__in=ids)
        .select_related("service", "provider", "perceel")
        .order_by("pk")
    ), table


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_inbox_rows_are_what_its_template_wrote(referrals, provider_user, language):
    page, table = _page(referrals)
    with translation.override(language):
        rows = views._inbox_rows(provider_user, page, timezone.localdate(), table)
        for number, row in enumerate(rows):
            row["own"] = number % 2 == 0  # an onderaannemer's row shows its provider
        expected = INBOX_LOOP.render(Context({"rows": rows}))
        assert (
            "<tbody>\n        " + inbox_rows_html(rows) + "\n      </tbody>" == expected
        )
    assert "te laat" in expected or "late" in expected
    assert "Nieuw" in expected or "New" in expected


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("who", ["referrer_user", "school_user"])
def test_the_list_rows_are_what_its_template_wrote(referrals, request, who, language):
    actor = request.getfixturevalue(who)
    page, table = _page(referrals)
    with translation.override(language):
        rows = views._list_rows(actor, page, timezone.localdate(), table)
        expected = LIST_LOOP.render(Context({"rows": rows}))
        assert (
            "<tbody>\n        " + list_rows_html(rows) + "\n      </tbody>" == expected
        )
    declined = [r for r in rows if r["referral"].status == wf.DECLINED]
    if who == "referrer_user":
        # The alternatives: one week, more weeks, no wait known, and none.
        assert any(row["alternatives"] for row in declined)
        assert any(not row["alternatives"] for row in declined)
    else:
        assert all(row["view"] == "school" for row in rows)
