import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gongjiang.core.audit import audit_context
from gongjiang.monitoring import selectors
from gongjiang.monitoring.selectors import indicator_values
from gongjiang.monitoring.services import indicators_load
from gongjiang.reference import regions


class Command(BaseCommand):
    help = (
        "Indicators: `indicators show --region CODE [--year YYYY] [--format json|table]` prints every indicator "
        "with value, numerator, denominator, targets and status; `indicators load [FILE]` loads definitions."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("show", help="values, targets and statuses of a region")
        show.add_argument("--region", required=True)
        show.add_argument("--year", type=int)
        show.add_argument("--quarter", help="a quarter such as 2025Q3 instead of a year")
        show.add_argument("--format", choices=["json", "table"], default="table")
        load = sub.add_parser("load", help="load or update indicator definitions")
        load.add_argument("file", nargs="?")

    def handle(self, *args, **options):
        if options["action"] == "load":
            try:
                with audit_context(source="cli"):
                    report = indicators_load(actor=None, path=Path(options["file"]) if options.get("file") else None)
            except ValidationError as exc:
                for message in exc.messages:
                    self.stderr.write(message)
                raise CommandError("nothing was loaded") from None
            self.stdout.write(
                f"indicators: {report.created} created, {report.updated} updated, {report.unchanged} unchanged"
            )
            return
        code = options["region"].strip()
        if not regions.is_code_shape(code) or regions.resolve(code) is None:
            raise CommandError(f"--region: {code!r} is not a current GB/T 2260 code")
        quarter = options.get("quarter")
        if quarter and selectors.quarter_end(quarter) is None:
            raise CommandError(f"--quarter: {quarter!r} is not a quarter such as 2025Q3")
        data = indicator_values(code, options.get("year"), quarter)
        if data.get("as_of") is None:
            raise CommandError("no rollup yet: run `gongjiang rollup rebuild` first")
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        head = data["region"]
        self.stdout.write(f"{head['code']} {head['name']}  {data['period']}  (data as of {data['as_of']})")
        for row in data["indicators"]:
            value = (
                "not collected" if not row["collected"] else ("—" if row["value"] is None else f"{row['value']:,.2f}")
            )
            self.stdout.write(f"  {row['code']:<34} {value:>16} {row['unit']}")
            for t in row["targets"]:
                target = f"{t['comparison']} {t['value']:g}" if t["value"] is not None else "monitor"
                inherited = f" (from {t['region']})" if t["inherited"] else ""
                self.stdout.write(
                    f"      {t['target']}{inherited}: {target} by {t['horizon']} → {t['status']}  [{t['source']}]"
                )
