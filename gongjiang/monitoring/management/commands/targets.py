from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gongjiang.core.audit import audit_context
from gongjiang.monitoring.services import targets_load


class Command(BaseCommand):
    help = "Targets: `targets load [FILE]` loads the indicator definitions and the targets (shipped YAML by default)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="load or update indicators and targets")
        load.add_argument("file", nargs="?", help="targets YAML (default: the shipped data/targets.yaml)")
        load.add_argument("--indicators", help="indicators YAML (default: the shipped data/indicators.yaml)")

    def handle(self, *args, **options):
        try:
            with audit_context(source="cli"):
                ind, tgt = targets_load(
                    actor=None,
                    path=Path(options["file"]) if options.get("file") else None,
                    indicators_path=Path(options["indicators"]) if options.get("indicators") else None,
                )
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError("nothing was loaded") from None
        except OSError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"indicators: {ind.created} created, {ind.updated} updated, {ind.unchanged} unchanged")
        self.stdout.write(f"targets: {tgt.created} created, {tgt.updated} updated, {tgt.unchanged} unchanged")
