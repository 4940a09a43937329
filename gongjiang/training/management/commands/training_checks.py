from django.core.management.base import BaseCommand

from gongjiang.core.audit import audit_context
from gongjiang.training.checks import checks_run


class Command(BaseCommand):
    help = "Run every fraud and anomaly check over all training claims and route new findings to review."

    def handle(self, *args, **options):
        with audit_context(source="cli"):
            result = checks_run(actor=None)
        self.stdout.write(
            f"{result['findings']} findings: {result['new']} new, {result['grown']} with new claims, "
            f"{result['reopened']} reopened"
        )
