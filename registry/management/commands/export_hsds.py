"""Write the public catalogue as Open Referral HSDS 3.1 JSON files."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry import hsds

BATCH = 2000


class Command(BaseCommand):
    help = (
        "Export the public catalogue in Open Referral HSDS 3.1 form to DIR: "
        "services.json, organizations.json, taxonomies.json and taxonomy_terms.json "
        "(UTF-8 JSON arrays)."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options):
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"{directory}: cannot create directory: {exc}") from exc
        services = list(hsds.service_queryset().iterator(chunk_size=BATCH))
        self._write(
            directory / "services.json", [hsds.service_dict(s) for s in services]
        )
        organisations = hsds.organisation_queryset().iterator(chunk_size=BATCH)
        self._write(
            directory / "organizations.json",
            [hsds.organisation_dict(o) for o in organisations],
        )
        self._write(
            directory / "taxonomies.json",
            [hsds.taxonomy_dict(code) for code in hsds.TAXONOMIES],
        )
        self._write(directory / "taxonomy_terms.json", hsds.taxonomy_terms(services))
        self.stdout.write(f"{len(services)} services exported to {directory}")

    def _write(self, path: Path, items: list[dict]) -> None:
        with path.open("w", encoding="utf-8") as handle:
            json.dump(items, handle, ensure_ascii=False, indent=1)
