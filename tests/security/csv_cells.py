"""Cells a spreadsheet program may evaluate as a formula (OWASP "CSV injection"),
also after leading whitespace that some programs trim when they open a CSV."""

HOSTILE_CELLS = [
    '=HYPERLINK("https://example.invalid","klik")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
    "\n@SUM(1)",
    "  -1+1",
    "\u3000=1+1",  # ideographic space
]
