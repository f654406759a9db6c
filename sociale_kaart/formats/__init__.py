"""Date and time formats per language (FORMAT_MODULE_PATH); what a module leaves
out falls back to Django's own formats for that language."""
