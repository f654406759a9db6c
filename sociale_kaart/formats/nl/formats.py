"""Dutch date style: "5 dec. 2026", "5 mei 2026" (N: the month abbreviations in
locale/nl), "dec. 2026" for a month. Templates use ``|date`` or
``|date:"DATE_FORMAT"`` instead of a format string of their own."""

DATE_FORMAT = "j N Y"
DATETIME_FORMAT = "j N Y, H:i"
YEAR_MONTH_FORMAT = "N Y"
MONTH_DAY_FORMAT = "j N"
SHORT_DATE_FORMAT = "j-n-Y"
SHORT_DATETIME_FORMAT = "j-n-Y H:i"
