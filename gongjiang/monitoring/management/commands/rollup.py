from django.core.management.base import BaseCommand

from gongjiang.core.audit import audit_context
from gongjiang.monitoring.services import monitoring_rebuild, monitoring_update


class Command(BaseCommand):
    help = (
        "Indicator rollups: `rollup rebuild` recomputes the fact table from the registry; `rollup update` "
        "applies what was written since the last rollup. Both then refresh targets, forecasts and warnings."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild", "update"])

    def handle(self, *args, **options):
        def say(message: str) -> None:
            self.stdout.write(f"  {message}")

        with audit_context(source="cli"):
            if options["action"] == "rebuild":
                rollup, refresh = monitoring_rebuild(actor=None, progress=say)
            else:
                rollup, refresh = monitoring_update(actor=None, progress=say)
        timings = ", ".join(f"{k} {v:.2f} s" for k, v in rollup.timings.items())
        self.stdout.write(
            f"rollup {rollup.mode}: {rollup.facts} fact rows in {rollup.seconds:.2f} s ({timings})"
            + (f"; {rollup.reason}" if rollup.reason else "")
        )
        self.stdout.write(
            f"targets: {refresh.evaluations} evaluations, {refresh.forecasts} forecasts, "
            f"{refresh.warnings} warnings in {refresh.seconds:.2f} s"
        )
