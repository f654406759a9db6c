"""Working days in the Netherlands: Monday to Friday except public holidays.

Holidays come from the ``holidays`` library (``holidays.NL``: Nieuwjaarsdag,
Pasen, Koningsdag, Hemelvaart, Pinksteren, Kerst, Bevrijdingsdag in lustrum
years). Pure Python, no database: ``referrals.workflow`` counts norms with it.
"""

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.NL(years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: date, count: int) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself not counted):
    a referral on Friday with 2 working days is due on Tuesday."""
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day
