"""`gongjiang policy …`: load and adopt policy sets, run golden cases, evaluate events, diff versions."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongjiang.core.audit import audit_context
from gongjiang.policy.compiled import compile_set
from gongjiang.policy.engine import evaluate
from gongjiang.policy.golden import read_cases, run_cases
from gongjiang.policy.inputs import PolicyInputError, read_events_csv
from gongjiang.policy.models import PolicySet
from gongjiang.policy.outputs import csv_frame, diff_csv_frame, diff_versions, summary, write_csv
from gongjiang.policy.parsing import read_documents, read_set, shipped_sets
from gongjiang.policy.selectors import PolicySetNotFound, fill_digital
from gongjiang.policy.services import policy_documents_load, policy_set_adopt, policy_set_load
from gongjiang.policy.spec import SETS_DIR, SpecError


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--as-of: {text!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Policy sets: load, adopt, list, test (golden cases), evaluate events, diff two versions."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        p = sub.add_parser("load", help="Check and load policy sets (all shipped sets by default).")
        p.add_argument("names", nargs="*", help="set names (default: every set in the directory)")
        p.add_argument("--adopt", action="store_true", help="make the loaded versions current")
        p.add_argument("--dir", type=Path, default=SETS_DIR, help="directory with the YAML files")
        p.add_argument("--note", default="", help="a note kept with new versions")
        p = sub.add_parser("adopt", help="Make a loaded version current.")
        p.add_argument("--policy-set", required=True)
        p.add_argument("--version", type=int, required=True)
        sub.add_parser("list", help="Policy sets and their versions.")
        p = sub.add_parser("test", help="Run the golden cases of the YAML files (no database needed).")
        p.add_argument("names", nargs="*")
        p.add_argument("--dir", type=Path, default=SETS_DIR)
        p = sub.add_parser("evaluate", help="Evaluate an events CSV file; write the results CSV.")
        p.add_argument("--policy-set", required=True)
        p.add_argument("--version", type=int, default=None, help="default: the current version")
        p.add_argument("--as-of", type=_date, default=None, help="only rule values recorded by this date")
        p.add_argument("--input", type=Path, required=True)
        p.add_argument("--history", type=Path, default=None, help="earlier paid events (with amount_fen)")
        p.add_argument("--output", type=Path, required=True)
        p = sub.add_parser("diff", help="What changes between two versions over a population of events.")
        p.add_argument("--policy-set", required=True)
        p.add_argument("--from", dest="from_version", type=int, required=True)
        p.add_argument("--to", dest="to_version", type=int, required=True)
        p.add_argument("--input", type=Path, required=True)
        p.add_argument("--history", type=Path, default=None)
        p.add_argument("--output", type=Path, default=None, help="write the changed events as CSV")
        p.add_argument("--show", type=int, default=20, help="changed events to print")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        with audit_context(source="cli"):
            getattr(self, f"do_{action}")(options)

    # -- actions -------------------------------------------------------------------------------
    def do_load(self, options: dict[str, Any]) -> None:
        directory: Path = options["dir"]
        names = options["names"] or shipped_sets(directory)
        try:
            for line in policy_documents_load(actor=None, path=directory / "documents.yaml").lines():
                self.stdout.write(line)
            for name in names:
                report = policy_set_load(
                    actor=None, name=name, directory=directory, adopt=options["adopt"], note=options["note"]
                )
                self.stdout.write(report.line())
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(f"{len(exc.messages)} problem(s); nothing loaded for the failing set") from None

    def do_adopt(self, options: dict[str, Any]) -> None:
        try:
            v = policy_set_adopt(actor=None, name=options["policy_set"], number=options["version"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"{v.policy_set.name}: v{v.number} is current")

    def do_list(self, options: dict[str, Any]) -> None:
        for ps in PolicySet.objects.prefetch_related("versions").order_by("name"):
            current = ps.current_version()
            self.stdout.write(f"{ps.name} ({ps.region_code}) {ps.title}")
            for v in ps.versions.order_by("number"):
                mark = "*" if current and v.pk == current.pk else " "
                adopted = f"adopted {v.adopted_at:%Y-%m-%d %H:%M}" if v.adopted_at else "not adopted"
                self.stdout.write(
                    f"  {mark} v{v.number} loaded {v.loaded_at:%Y-%m-%d %H:%M} by {v.loaded_by}, {adopted}, "
                    f"{v.cases_count} golden cases {v.note}".rstrip()
                )

    def do_test(self, options: dict[str, Any]) -> None:
        directory: Path = options["dir"]
        failed = 0
        try:
            docs = read_documents(directory / "documents.yaml")
            for name in options["names"] or shipped_sets(directory):
                spec = read_set(name, directory=directory, documents=docs)
                cases, _digest = read_cases(name, directory)
                results = run_cases(compile_set(spec, docs), cases)
                bad = [r for r in results if not r.ok]
                failed += len(bad)
                self.stdout.write(f"{name}: {len(results) - len(bad)}/{len(results)} golden cases pass")
                for r in bad:
                    for f in r.failures:
                        self.stderr.write(f"  {r.case.name}: {f}")
        except SpecError as exc:
            for m in exc.messages:
                self.stderr.write(m)
            raise CommandError("the policy files have errors") from None
        if failed:
            raise CommandError(f"{failed} golden case(s) failed")

    def _events(self, path: Path, label: str) -> Any:
        if not path.is_file():
            raise CommandError(f"{label} {path}: no such file")
        try:
            return fill_digital(read_events_csv(path.read_bytes()))
        except PolicyInputError as exc:
            self._input_errors(exc, path)
            raise AssertionError from None  # unreachable

    def _input_errors(self, exc: Any, path: Path) -> None:
        for e in exc.errors:
            self.stderr.write(f"{path}: {e}")
        if exc.truncated:
            self.stderr.write(f"{path}: … and {exc.truncated} more")
        raise CommandError(f"{path}: {len(exc.errors) + exc.truncated} error(s); nothing written")

    def do_evaluate(self, options: dict[str, Any]) -> None:
        events = self._events(options["input"], "--input")
        history = self._events(options["history"], "--history") if options["history"] else None
        try:
            results = evaluate(
                events,
                policy_set=options["policy_set"],
                version=options["version"],
                as_of=options["as_of"],
                history=history,
            )
        except PolicySetNotFound as exc:
            raise CommandError(str(exc)) from None
        except PolicyInputError as exc:
            self._input_errors(exc, options["input"])
        write_csv(csv_frame(results), options["output"])
        s = summary(results)
        version = results["policy_version"][0] if results.height else None
        self.stdout.write(
            f"{options['policy_set']} v{version}: {s['events']} events, {s['eligible']} eligible, "
            f"{s['amount_fen'] // 100}.{s['amount_fen'] % 100:02d} yuan → {options['output']}"
        )

    def do_diff(self, options: dict[str, Any]) -> None:
        events = self._events(options["input"], "--input")
        history = self._events(options["history"], "--history") if options["history"] else None
        try:
            report = diff_versions(
                events,
                policy_set=options["policy_set"],
                from_version=options["from_version"],
                to_version=options["to_version"],
                history=history,
            )
        except PolicySetNotFound as exc:
            raise CommandError(str(exc)) from None
        except PolicyInputError as exc:
            self._input_errors(exc, options["input"])
        for line in report.lines(limit=options["show"]):
            self.stdout.write(line)
        if options["output"]:
            write_csv(diff_csv_frame(report), options["output"])
            self.stdout.write(f"changed events → {options['output']}")
