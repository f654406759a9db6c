"""Months as periods: the dashboard counts referrals per cohort month."""

from datetime import date


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """Month starts from ``first``'s month up to and including ``last``'s."""
    month, last = month_start(first), month_start(last)
    months = []
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months
