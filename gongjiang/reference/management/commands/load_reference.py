from django.core.management.base import BaseCommand

from gongjiang.core.audit import audit_context
from gongjiang.reference.services import reference_load


class Command(BaseCommand):
    help = "Load or upgrade reference data (regions, occupations, industries, skill levels). Idempotent."

    def handle(self, *args, **options):
        with audit_context(source="cli"):
            report = reference_load(actor=None)
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS("reference data up to date" if not report.changed() else "reference data loaded")
        )
