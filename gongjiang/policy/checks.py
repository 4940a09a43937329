"""The checks a policy set must pass when it is read: its decision tables, and its entries together.

Decision tables are checked over every combination of their input *atoms* (each declared value of an
enumerated input, ``other`` for an open one, each interval between the range bounds the rows use, and
``missing`` for nullable inputs): a combination no row matches is a **gap**, two rows of a ``unique``
table matching one combination an **overlap**, a ``first`` row that never wins is **shadowed**, and a
``collect`` row that can never match is reported too. (A row without a value for an input or a required
output, a **missing value**, is refused while the row is read, by :mod:`gongjiang.policy.parsing`.)
The same atoms and the same matching, :func:`table_matrix`, are what :mod:`gongjiang.policy.compiled`
turns into the engine's dense lookup arrays.

Across entries (:func:`check_set`): every clause cited is registered, each parameter and table has the
unit, outputs, inputs and hit policy the rules that read it expect, no two values of one name and region
are in force on the same day, and a value bounded by a limit (e.g. a city adjustment by ±30%) stays
within it wherever both are in force. All problems are load errors.
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from typing import Any

from gongjiang.policy.formulas import FORMULAS, PARAMETER_UNITS, TABLE_SHAPES
from gongjiang.policy.spec import Condition, InputSpec, ParamSpec, RowSpec, SetSpec, TableSpec, number_text
from gongjiang.reference.regions import scope_prefix

MAX_COMBINATIONS = 200_000


@dataclass(frozen=True)
class Atom:
    """One cell of an input's domain: a value, 'other', 'missing', or an interval [lo, hi)."""

    kind: str  # value | other | missing | interval
    value: str = ""
    lo: float | None = None
    hi: float | None = None

    def text(self) -> str:
        if self.kind == "value":
            return self.value
        if self.kind in ("other", "missing"):
            return f"<{self.kind}>"
        lo = "-∞" if self.lo is None else number_text(self.lo)
        hi = "∞" if self.hi is None else number_text(self.hi)
        return f"[{lo},{hi})"


def input_atoms(inp: InputSpec, rows: tuple[RowSpec, ...]) -> list[Atom]:
    atoms: list[Atom] = []
    if inp.kind == "bool":
        atoms = [Atom("value", "true"), Atom("value", "false")]
    elif inp.kind == "enum":
        atoms = [Atom("value", v) for v in inp.values]
        if inp.open:
            atoms.append(Atom("other"))
    else:
        bounds = {b for b in (inp.lo, inp.hi) if b is not None}
        for r in rows:
            c = r.conditions[inp.name]
            if c.kind == "range":
                bounds.update(b for b in (c.lo, c.hi) if b is not None)
        points = sorted(b for b in bounds if (inp.lo is None or b >= inp.lo) and (inp.hi is None or b <= inp.hi))
        edges: list[float | None] = [inp.lo, *[p for p in points if p != inp.lo and p != inp.hi], inp.hi]
        atoms = [Atom("interval", lo=a, hi=b) for a, b in itertools.pairwise(edges)]
    if inp.nullable:
        atoms.append(Atom("missing"))
    return atoms


def condition_matches(c: Condition, atom: Atom) -> bool:
    if c.kind == "any":
        return True
    if c.kind == "missing":
        return atom.kind == "missing"
    if atom.kind == "missing":
        return False
    if c.kind == "values":
        return (atom.value if atom.kind == "value" else "other") in c.values
    # range: the atom interval lies inside the condition range (atoms are cut at every bound)
    lo_ok = c.lo is None or (atom.lo is not None and atom.lo >= c.lo)
    hi_ok = c.hi is None or (atom.hi is not None and atom.hi <= c.hi)
    return lo_ok and hi_ok


def table_matrix(table: TableSpec) -> tuple[list[list[Atom]], list[tuple[int, ...]], list[list[int]]]:
    """Every combination of input atoms and the rows (in order) matching it."""
    atoms = [input_atoms(i, table.rows) for i in table.inputs]
    combos = list(itertools.product(*[range(len(a)) for a in atoms]))
    hits: list[list[int]] = []
    for combo in combos:
        matched = [
            r
            for r, row in enumerate(table.rows)
            if all(
                condition_matches(row.conditions[inp.name], atoms[k][combo[k]]) for k, inp in enumerate(table.inputs)
            )
        ]
        hits.append(matched)
    return atoms, combos, hits


def check_table(table: TableSpec) -> list[str]:
    size = 1
    for inp in table.inputs:
        size *= len(input_atoms(inp, table.rows))
    if size > MAX_COMBINATIONS:
        return [f"has {size} input combinations; at most {MAX_COMBINATIONS} can be checked"]
    atoms, combos, hits = table_matrix(table)
    problems: list[str] = []

    def describe(combo: tuple[int, ...]) -> str:
        return ", ".join(f"{inp.name}={atoms[k][combo[k]].text()}" for k, inp in enumerate(table.inputs))

    if table.hit_policy in ("first", "unique"):
        gaps = [c for c, h in zip(combos, hits, strict=True) if not h]
        if gaps:
            shown = "; ".join(describe(c) for c in gaps[:3])
            more = f" (and {len(gaps) - 3} more)" if len(gaps) > 3 else ""
            problems.append(f"gap: no row matches {shown}{more}")
    if table.hit_policy == "unique":
        for c, h in zip(combos, hits, strict=True):
            if len(h) > 1:
                rows = ", ".join(str(r + 1) for r in h)
                problems.append(f"overlap: rows {rows} all match {describe(c)} (hit policy unique)")
                break
    if table.hit_policy == "first":
        winners = {h[0] for h in hits if h}
        for r in range(len(table.rows)):
            if r not in winners:
                problems.append(f"row {r + 1} ({table.rows[r].condition_text()}) is shadowed by earlier rows")
    if table.hit_policy == "collect":
        used = {r for h in hits for r in h}
        for r in range(len(table.rows)):
            if r not in used:
                problems.append(f"row {r + 1} ({table.rows[r].condition_text()}) can never match")
    return problems


def _in_force_overlap(
    a_start: datetime.date, a_end: datetime.date | None, b_start: datetime.date, b_end: datetime.date | None
) -> bool:
    return (b_end is None or a_start <= b_end) and (a_end is None or b_start <= a_end)


def check_set(spec: SetSpec, clauses: dict[str, Any]) -> list[str]:
    """Checks across entries: clauses exist, one value per name, region and day, limits respected."""
    problems: list[str] = []
    f = f"{spec.name}.yaml"
    for clause in sorted(spec.clauses_used()):
        if clause not in clauses:
            problems.append(f"{f}: clause {clause!r} is not a registered clause (documents.yaml)")
    by_key: dict[tuple[str, str], list[ParamSpec]] = {}
    for p in spec.params:
        by_key.setdefault((p.name, p.region), []).append(p)
        expected = PARAMETER_UNITS.get(p.name) or PARAMETER_UNITS.get(p.name.split(".", 1)[-1])
        if expected is None:
            problems.append(f"{p.origin}.yaml: parameter {p.name}: no rule reads a parameter of this name")
        elif p.unit != expected:
            problems.append(f"{p.origin}.yaml: parameter {p.name}: unit must be {expected}, got {p.unit}")
    for (name, region), versions in by_key.items():
        versions.sort(key=lambda p: p.start)
        for a, b in itertools.pairwise(versions):
            if _in_force_overlap(a.start, a.end, b.start, b.end):
                problems.append(
                    f"{b.origin}.yaml: parameter {name} in {region}: in force from {b.start} while the value "
                    f"from {a.start} is still in force (end it with 'to')"
                )
    tables_by_key: dict[tuple[str, str], list[TableSpec]] = {}
    for t in spec.tables:
        tables_by_key.setdefault((t.name, t.region), []).append(t)
        shape = TABLE_SHAPES.get(t.name)
        if shape is None:
            problems.append(f"{t.origin}.yaml: table {t.name}: no rule reads a table of this name")
            continue
        missing_out = set(shape.get("outputs", ())) - set(t.outputs)
        if missing_out:
            problems.append(f"{t.origin}.yaml: table {t.name}: needs outputs {sorted(missing_out)}")
        bad_in = {i.name for i in t.inputs} - set(shape["inputs"])
        if bad_in:
            problems.append(
                f"{t.origin}.yaml: table {t.name}: inputs {sorted(bad_in)} are not event columns it can read "
                f"({', '.join(shape['inputs'])})"
            )
        if shape.get("hit_policy") and t.hit_policy != shape["hit_policy"]:
            problems.append(f"{t.origin}.yaml: table {t.name}: hit policy must be {shape['hit_policy']}")
    for (name, region), variants in tables_by_key.items():
        variants.sort(key=lambda t: t.start)
        for ta, tb in itertools.pairwise(variants):
            if _in_force_overlap(ta.start, ta.end, tb.start, tb.end):
                problems.append(
                    f"{tb.origin}.yaml: table {name} in {region}: in force from {tb.start} while the table "
                    f"from {ta.start} is still in force"
                )
    # Limits: |value| ≤ the limiting parameter wherever both are in force (e.g. city adjustment ≤ 30%).
    for p in spec.params:
        if not p.limit:
            continue
        bounds = [q for q in spec.params if q.name == p.limit]
        if not bounds:
            problems.append(f"{p.origin}.yaml: parameter {p.name}: limit {p.limit!r} is not a parameter")
        for q in bounds:
            applies = p.region.startswith(scope_prefix(q.region))
            if applies and _in_force_overlap(p.start, p.end, q.start, q.end) and abs(p.value) > q.value:
                problems.append(
                    f"{p.origin}.yaml: parameter {p.name} in {p.region} = {p.value} {p.unit} exceeds the limit "
                    f"{q.name} = ±{q.value} {q.unit} ({q.clause}) in force from {max(p.start, q.start)}"
                )
    for et in spec.rules:
        if et not in FORMULAS:
            problems.append(f"{f}: rule {et}: unknown event type")
    return problems
