"""English date style beside the Dutch one: "5 Dec. 2026", "5 May 2026"."""

DATE_FORMAT = "j N Y"
DATETIME_FORMAT = "j N Y, H:i"
YEAR_MONTH_FORMAT = "N Y"
MONTH_DAY_FORMAT = "j N"
SHORT_DATE_FORMAT = "j/n/Y"
SHORT_DATETIME_FORMAT = "j/n/Y H:i"
