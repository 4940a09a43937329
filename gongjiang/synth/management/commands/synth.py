from django.core.management.base import BaseCommand, CommandError

from gongjiang.core.audit import audit_context
from gongjiang.synth.generator import synthesize


class Command(BaseCommand):
    help = "Generate deterministic synthetic registry data for a Jiangsu region (province, city or district)."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="GB/T 2260 code: 320000, a city (320500) or a district")
        parser.add_argument("--scale", type=float, default=1.0, help="1 reproduces the reported figures; 0.01 is 1%%")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        def progress(message: str) -> None:
            self.stdout.write(f"  {message}")
            self.stdout.flush()

        try:
            with audit_context(source="cli"):
                report = synthesize(
                    region=options["region"], scale=options["scale"], seed=options["seed"], progress=progress
                )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        counts = ", ".join(f"{k} {v}" for k, v in report.counts.items())
        self.stdout.write(self.style.SUCCESS(f"synthesized {report.region} in {report.seconds:.1f} s: {counts}"))
