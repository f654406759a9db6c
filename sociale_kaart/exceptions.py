"""Domain errors that services raise and every adapter (page, API, command) maps."""

from django.utils.translation import gettext as _


class PreconditionFailed(Exception):
    """A write based on a version that is no longer current (lost-update guard)."""

    def __init__(self, message: str = "", *, current_version: int | None = None):
        super().__init__(message or _("De gegevens zijn intussen gewijzigd."))
        self.current_version = current_version
