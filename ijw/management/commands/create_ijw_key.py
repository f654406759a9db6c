"""``manage.py create_ijw_key ORGANISATION_SLUG NAME``: a municipality's API key
with scope ``ijw`` for delivering iJw messages (docs/ijw.md).

The key is printed once; only its hash is kept. Revoke it in the admin (API
keys). It reads nothing: it may only POST /api/v1/ijw/messages.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from registry import services
from registry.models import ApiToken, Organisation


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="slug of the gemeente organisation")
        parser.add_argument("name", help="what the key is for, e.g. 'iJw-koppeling'")

    def handle(self, *args, **options):
        organisation = Organisation.objects.filter(
            slug=options["organisation"], kind=Organisation.Kind.GEMEENTE
        ).first()
        if organisation is None:
            raise CommandError(f"{options['organisation']}: no such municipality")
        try:
            _token, key = services.api_token_create(
                organisation=organisation,
                actor=None,
                name=options["name"],
                scopes=ApiToken.SCOPE_IJW,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(key)
