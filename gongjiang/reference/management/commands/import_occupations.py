from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gongjiang.core.audit import audit_context
from gongjiang.reference.services import occupations_import


class Command(BaseCommand):
    help = (
        "Import a bureau's official occupation list (CSV: code,name[,digital]). Nothing is written if a row is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            with audit_context(source="cli"):
                report = occupations_import(actor=None, path=path)
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(f"{path}: {len(exc.messages)} error(s); nothing imported") from None
        for line in report.lines():
            self.stdout.write(line)
