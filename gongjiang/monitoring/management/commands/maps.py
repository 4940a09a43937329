import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gongjiang.core.audit import audit_context
from gongjiang.monitoring.selectors import DEMO_MAP_LICENCE, DEMO_MAP_SOURCE, demo_map_collections
from gongjiang.monitoring.services import (
    boundaries_load,
)


class Command(BaseCommand):
    help = (
        "Map boundaries: `maps load FILE... --source S --licence L [--approval 审图号]` loads GeoJSON "
        "FeatureCollections whose features carry a six-digit adcode; `maps load --demo` loads the "
        "demonstration boundaries shipped with the platform (not for publication)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load")
        load.add_argument("files", nargs="*")
        load.add_argument("--demo", action="store_true", help="the shipped demonstration boundaries")
        load.add_argument("--source", default="")
        load.add_argument("--licence", default="")
        load.add_argument("--approval", default="", help="the map approval number (审图号)")

    def handle(self, *args, **options):
        if options["demo"]:
            collections = demo_map_collections()
            source, licence = DEMO_MAP_SOURCE, DEMO_MAP_LICENCE
        else:
            if not options["files"]:
                raise CommandError("give GeoJSON files, or --demo")
            collections = []
            for name in options["files"]:
                try:
                    collections.append(json.loads(Path(name).read_text(encoding="utf-8")))
                except (OSError, ValueError) as exc:
                    raise CommandError(f"{name}: {exc}") from None
            source, licence = options["source"], options["licence"]
        try:
            with audit_context(source="cli"):
                report = boundaries_load(
                    actor=None,
                    collections=collections,
                    source=source,
                    licence=licence,
                    approval_number=options["approval"],
                )
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError("nothing was loaded") from None
        self.stdout.write(f"{len(report.loaded)} boundaries loaded")
        if not options["approval"]:
            self.stdout.write(
                self.style.WARNING(
                    "no map approval number (审图号): load an officially approved map before publication"
                )
            )
