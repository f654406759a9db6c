"""English as read in Europe: day before month and a 24-hour clock ("6 Dec 2026,
14:30"), not Django's American default ("Dec. 6, 2026, 2:30 p.m.").

Typed dates are ISO or day first (never the American month first); ISO stays the
first input format, so date fields render ISO for ``<input type="date">``."""

DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FIRST_DAY_OF_WEEK = 1
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]
