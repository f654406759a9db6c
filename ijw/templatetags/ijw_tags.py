from django import template

from ijw import selectors

register = template.Library()


@register.inclusion_tag("ijw/_reports.html")
def ijw_reports(referral):
    """The referral's iJw lines (requested, allocated, started, ...), each
    start or end beside the date recorded by hand if that differs."""
    return {"lines": selectors.report_lines_for_referral(referral=referral)}
