"""Disclosure control of wage-price tables: primary rules, complementary suppression, a linear-programming audit.

Method (the notice of method quotes this):

* **Primary rules**, per cell, the first that applies names the reason: fewer than ``min_enterprises``
  enterprises (few_enterprises); fewer than ``min_employees`` employee records (few_employees); the
  ``dominance_n`` largest enterprises hold more than ``dominance_k`` of the cell's weighted total pay
  (dominance); the p% rule — the second largest enterprise could estimate the largest one's pay to within
  p% (the rest of the cell after the two largest is less than p% of the largest) (p_percent); the median's
  relative standard error exceeds ``max_relative_se`` (precision).
* **Additive values and margins**: each cell publishes its weighted employees and weighted total pay
  (mean × weighted employees). They add up along four hierarchies: skill levels to "all levels" (with the
  never-published remainder of employees without a level), districts to their city and cities to the
  edition's region, occupations to their minor group, industry sections to all industries (by level
  group). Cells absent from the table are zero.
* **Complementary suppression**: every relation holding a single unknown value gets the cheapest
  published cell (fewest other relations it would be alone in, then fewest weighted employees, then
  deepest in the hierarchies) among those at least ``protection_percent`` of the withheld cell in both additive values
  (failing that, the cheapest) suppressed with it, which protects it along that relation by
  construction; then the audit below runs and, for every suppressed cell it can still narrow, each
  relation through that cell that cannot on its own let it move by its protection margin in the
  narrowed direction gets its cheapest published cell that would (failing any such relation, the
  cheapest published cell linked with it is suppressed), the relations left with a single unknown are
  closed again as at first, and the audit runs again, until it finds nothing (before the first audit,
  every withheld cell's relations are made to supply what they lack in both directions the same way).
  The loop ends (each round suppresses at least one more cell), and what is published has passed the
  exact audit.
* **Audit (attack)**: for every suppressed cell and both additive values, the minimum and maximum the
  value can take, by linear programming (HiGHS), subject to the tables' additivity, the published values
  and non-negativity; a cell is recovered when its range does not reach its protection interval, value
  × (1 ± p/100). The withheld cells split into components linked by relations; a component of a single
  relation has its ranges in closed form (no solver). In the others, constraint propagation proves most
  narrowed values without a solver, a few programs per component (the sum of the undecided values
  maximised with each capped at its protection bound, or minimised) prove most values protected by a
  feasible point beyond their bounds, and one program per value decides the rest. Between rounds only the
  components a new complement changed are audited again, and in them only the values not yet proven
  protected (withholding more cells keeps every feasible point feasible); each component's programs are
  kept from round to round (the new withheld cells added as columns, their relations as rows), so that
  HiGHS starts from the last optimal basis. The audit covers the
  occupation × level × region tables linked through their minor groups, and the industry × level group ×
  region tables linked through their all-industry margins; the grand totals linking the two families are
  not published.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

import numpy as np
import polars as pl
from scipy.optimize import linprog
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

try:  # scipy's bindings of HiGHS (the solver behind ``linprog``): one model, many programs, warm starts
    from scipy.optimize._highspy import _core as _highs

    _H_OPTIMAL = {_highs.HighsModelStatus.kOptimal}
    _H_UNBOUNDED = {_highs.HighsModelStatus.kUnbounded, _highs.HighsModelStatus.kUnboundedOrInfeasible}
except ImportError:  # pragma: no cover - other scipy builds: every program through linprog
    _highs = None
    _H_OPTIMAL, _H_UNBOUNDED = set(), set()

REASON_LABELS: dict[str, str] = {
    "few_enterprises": "Fewer enterprises in the cell than the minimum.",
    "few_employees": "Fewer employees in the cell than the minimum.",
    "dominance": "A few enterprises account for most of the cell's pay (dominance rule).",
    "p_percent": "The largest enterprise's pay could be estimated too closely by another (p% rule).",
    "precision": "The median's relative standard error is above the limit (precision rule).",
    "complementary": "Withheld so that other withheld cells cannot be worked out from the totals.",
}
ADDITIVE = ("weighted_employees", "weighted_total_pay")
LEVELS = ("level5", "level4", "level3", "level2", "level1")
T = TypeVar("T")
HIDDEN = "<none>"  # the remainder of employees without a skill level: never published


@dataclass(frozen=True)
class Rules:
    min_enterprises: int = 3
    min_employees: int = 10
    dominance_n: int = 2
    dominance_k: float = 0.85
    p_percent: float = 10.0
    max_relative_se: float = 0.2
    protection_percent: float = 10.0  # protection interval: value × (1 ± protection_percent / 100)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Recovery:
    row: int  # row of the cells frame
    value: str  # "weighted_employees" | "weighted_total_pay"
    true_value: float
    lower: float
    upper: float
    protection_lower: float
    protection_upper: float


# --------------------------------------------------------------------------------------------- primary


def primary(cells: pl.DataFrame, rules: Rules) -> tuple[list[str | None], list[str]]:
    """The primary reason of every row (None when publishable) and the figures behind it."""
    n_ent = cells["n_enterprises"].to_numpy()
    n_emp = cells["n_employees"].to_numpy()
    top1 = cells["top1_share"].fill_null(1.0).to_numpy()
    top2 = cells["top2_share"].fill_null(1.0).to_numpy()
    if rules.dominance_n == 1:
        dom = top1
    else:
        dom = top2
    with np.errstate(invalid="ignore", divide="ignore"):
        rse = (cells["se_p50"] / cells["p50"]).fill_nan(np.inf).fill_null(np.inf).to_numpy()
    reasons: list[str | None] = []
    details: list[str] = []
    for i in range(cells.height):
        if n_ent[i] < rules.min_enterprises:
            reasons.append("few_enterprises")
            details.append(f"enterprises={int(n_ent[i])} < {rules.min_enterprises}")
        elif n_emp[i] < rules.min_employees:
            reasons.append("few_employees")
            details.append(f"employees={int(n_emp[i])} < {rules.min_employees}")
        elif dom[i] > rules.dominance_k:
            reasons.append("dominance")
            details.append(f"top{rules.dominance_n}_share={dom[i]:.3f} > {rules.dominance_k}")
        elif (1.0 - top2[i]) < rules.p_percent / 100.0 * top1[i]:
            reasons.append("p_percent")
            details.append(f"rest={1.0 - top2[i]:.3f} < {rules.p_percent:g}% × largest {top1[i]:.3f}")
        elif rse[i] > rules.max_relative_se:
            reasons.append("precision")
            details.append(f"relative_se_p50={rse[i]:.3f} > {rules.max_relative_se}")
        else:
            reasons.append(None)
            details.append("")
    return reasons, details


# ------------------------------------------------------------------------------------------ structure


@dataclass
class _Block:
    """One linked table: variables (cells of the frame, or hidden remainders) and additive relations."""

    rows: list[int]  # frame row per variable, -1 for a hidden remainder
    values: np.ndarray  # n_var × 2 (weighted employees, weighted total pay)
    depth: list[int]  # hierarchy depth: higher is a finer cell (cheaper to withhold)
    relations: list[tuple[int, list[int]]]  # (parent, children)
    _by_var: dict[int, list[int]] | None = None
    _incidence: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    _rows: np.ndarray | None = None
    _values_list: list[list[float]] | None = None

    def rows_array(self) -> np.ndarray:
        if self._rows is None:
            self._rows = np.array(self.rows, dtype=np.int64)
        return self._rows

    def incidence(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Relation, variable and coefficient (−1 the parent, +1 a child) of every entry (built once)."""
        if self._incidence is None:
            sizes = np.array([1 + len(ch) for _p, ch in self.relations], dtype=np.int64)
            rel = np.repeat(np.arange(len(self.relations)), sizes)
            var = np.fromiter((x for p, ch in self.relations for x in (p, *ch)), dtype=np.int64, count=int(sizes.sum()))
            coef = np.ones(len(var))
            coef[np.cumsum(sizes) - sizes] = -1.0  # the parent leads its relation
            self._incidence = (rel, var, coef)
        return self._incidence

    def values_list(self) -> list[list[float]]:
        """``values`` as Python lists (built once), for the cell-by-cell choices."""
        if self._values_list is None:
            self._values_list = self.values.tolist()
        return self._values_list

    def relations_of(self) -> dict[int, list[int]]:
        """The relations through each variable (built once)."""
        if self._by_var is None:
            by_var: dict[int, list[int]] = defaultdict(list)
            for k, (p, ch) in enumerate(self.relations):
                for x in (p, *ch):
                    by_var[x].append(k)
            self._by_var = dict(by_var)
        return self._by_var


def _region_parent(code: str, level: str, edition: str) -> str | None:
    if level == "district":
        city = code[:4] + "00"
        return city if city != edition and edition.endswith("0000") else edition
    if level == "city":
        return edition
    return None


def _blocks(cells: pl.DataFrame) -> list[_Block]:
    """The linked tables of an edition's cells (digital_level rows are copies and stay out)."""
    kind = cells["cell_kind"].to_numpy()
    region = cells["region_code"].to_numpy()
    rlevel = cells["region_level"].to_numpy() if "region_level" in cells.columns else np.full(cells.height, "edition")
    occ = cells["occupation_code"].to_numpy()
    minor = cells["minor_group"].to_numpy()
    level = cells["skill_level"].to_numpy()
    section = cells["industry_section"].to_numpy()
    group = cells["level_group"].to_numpy()
    vals = cells.select(ADDITIVE).to_numpy().astype(float)
    editions = {str(region[i]) for i in range(cells.height) if rlevel[i] == "edition"}
    edition = min(editions, key=len) if editions else ""
    region_parent = {
        str(region[i]): _region_parent(str(region[i]), str(rlevel[i]), edition) for i in range(cells.height)
    }
    reg_depth = {"edition": 0, "city": 1, "district": 2}
    # Occupation family: variables keyed (region, category, level) per minor group.
    fam: dict[str, dict[tuple[str, str, str], int]] = defaultdict(dict)
    ind: dict[str, dict[tuple[str, str, str], int]] = defaultdict(dict)
    depth_of: dict[int, int] = {}
    for i in range(cells.height):
        k = kind[i]
        if k == "occupation_level":
            fam[str(occ[i])[:7]][(str(region[i]), str(occ[i]), str(level[i]))] = i
            depth_of[i] = reg_depth.get(str(rlevel[i]), 0) + 1 + (level[i] != "all")
        elif k == "minor_group_level":
            fam[str(minor[i])][(str(region[i]), "*", str(level[i]))] = i
            depth_of[i] = reg_depth.get(str(rlevel[i]), 0) + (level[i] != "all")
        elif k == "industry_level_group":
            # One table per level group: sections by region, with the all-industry cells ("*") as margins.
            sec = "*" if section[i] in (None, "") else str(section[i])
            ind[str(group[i])][(str(region[i]), sec, str(group[i]))] = i
            depth_of[i] = reg_depth.get(str(rlevel[i]), 0) + (sec != "*")
    blocks: list[_Block] = []
    for table in fam.values():
        keys = dict(table)
        # Hidden remainders: employees without a level, per (region, category) with an "all" cell.
        hidden: dict[tuple[str, str, str], np.ndarray] = {}
        for (r, c, lv), i in table.items():
            if lv == "all":
                v = vals[i].copy()
                for lv2 in LEVELS:
                    j = table.get((r, c, lv2))
                    if j is not None:
                        v -= vals[j]
                hidden[(r, c, HIDDEN)] = np.maximum(v, 0.0)
        var_index: dict[tuple[str, str, str], int] = {}
        rows: list[int] = []
        values: list[np.ndarray] = []
        depth: list[int] = []
        for key, i in keys.items():
            var_index[key] = len(rows)
            rows.append(i)
            values.append(vals[i])
            depth.append(depth_of[i])
        for key, v in hidden.items():
            var_index[key] = len(rows)
            rows.append(-1)
            values.append(v)
            depth.append(9)
        relations: list[tuple[int, list[int]]] = []
        children: dict[tuple[str, tuple[str, str, str]], list[int]] = defaultdict(list)
        for (r, c, lv), vi in var_index.items():
            if lv != "all":  # levels (and the remainder) add up to all levels
                children[("level", (r, c, "all"))].append(vi)
            pr = region_parent.get(r)
            if pr is not None:
                children[("region", (pr, c, lv))].append(vi)
            if c != "*":
                children[("category", (r, "*", lv))].append(vi)
        for (_dim, parent_key), ch in children.items():
            pi = var_index.get(parent_key)
            if pi is not None:
                relations.append((pi, ch))
        blocks.append(_Block(rows=rows, values=np.array(values).reshape(-1, 2), depth=depth, relations=relations))
    for table in ind.values():
        var_index = {}
        rows = []
        values = []
        depth = []
        for key, i in table.items():
            var_index[key] = len(rows)
            rows.append(i)
            values.append(vals[i])
            depth.append(depth_of[i])
        margin_children: dict[tuple[str, tuple[str, str, str]], list[int]] = defaultdict(list)
        for (r, c, lv), vi in var_index.items():
            pr = region_parent.get(r)
            if pr is not None:
                margin_children[("region", (pr, c, lv))].append(vi)
            if c != "*":  # sections add up to all industries
                margin_children[("section", (r, "*", lv))].append(vi)
        relations = [(var_index[p], ch) for (_dim, p), ch in margin_children.items() if p in var_index]
        blocks.append(_Block(rows=rows, values=np.array(values).reshape(-1, 2), depth=depth, relations=relations))
    return blocks


# ---------------------------------------------------------------------------------------------- audit


@dataclass
class _Component:
    """Unknown values linked by relations: A y = b (y = x / scale), y ≥ 0, per additive value."""

    block: int
    variables: list[int]  # block variable ids
    A: csr_matrix
    b: list[np.ndarray]  # per additive value, already divided by scale
    scale: list[float]
    relations: np.ndarray | None = None  # block relation id of each row of A


def _components(blocks: list[_Block], unknowns: list[np.ndarray], only: set[int] | None = None) -> list[_Component]:
    """The components of every block's unknowns (those holding a withheld cell and a relation), each in
    order of its smallest variable, its variables and relations in block order."""
    comps: list[_Component] = []
    for bi, (block, unknown) in enumerate(zip(blocks, unknowns, strict=True)):
        if only is not None and bi not in only:
            continue
        rows = block.rows_array()
        unk = np.flatnonzero(unknown)
        if not len(unk) or not (rows[unk] >= 0).any():
            continue
        rel, var, coef = block.incidence()
        m, n_u = len(block.relations), len(unk)
        known = ~unknown[var]
        # b = −(Σ known children − known parent), per relation and additive value
        bvals = [
            -np.bincount(rel[known], weights=coef[known] * block.values[var[known], vi], minlength=m) for vi in range(2)
        ]
        er, ev, ec = rel[~known], var[~known], coef[~known]
        pos = np.full(len(rows), -1)
        pos[unk] = np.arange(n_u)
        ep = pos[ev]
        # Unknowns and relations as the nodes of one graph, an edge for each unknown in a relation.
        graph = csr_matrix((np.ones(len(er)), (ep, n_u + er)), shape=(n_u + m, n_u + m))
        _n, label = connected_components(graph, directed=False)
        var_label = label[:n_u]
        has_rel = np.zeros(len(label), dtype=bool)
        has_rel[label[n_u + er]] = True
        has_target = np.zeros(len(label), dtype=bool)
        has_target[var_label[rows[unk] >= 0]] = True
        # Variables grouped by component (ascending within), components by their smallest variable.
        v_order = np.argsort(var_label, kind="stable")
        v_lab = var_label[v_order]
        v_start = np.flatnonzero(np.r_[True, v_lab[1:] != v_lab[:-1]])
        v_end = np.r_[v_start[1:], n_u]
        local = np.empty(n_u, dtype=np.int64)
        local[v_order] = np.arange(n_u) - np.repeat(v_start, v_end - v_start)
        # Entries grouped by component, then by relation (block order).
        e_lab = var_label[ep]
        e_order = np.lexsort((er, e_lab))
        er_s, el_s, col_s, co_s = er[e_order], e_lab[e_order], local[ep[e_order]], ec[e_order]
        e_start = np.searchsorted(el_s, v_lab[v_start], side="left")
        e_end = np.searchsorted(el_s, v_lab[v_start], side="right")
        first = np.r_[True, (er_s[1:] != er_s[:-1]) | (el_s[1:] != el_s[:-1])]
        row_seq = np.cumsum(first) - 1
        for g in np.argsort(v_order[v_start], kind="stable"):
            lab = v_lab[v_start[g]]
            if not (has_rel[lab] and has_target[lab]):
                continue  # unconstrained: free from 0 to infinity, or no withheld cell
            a, z = e_start[g], e_end[g]
            r_local = row_seq[a:z] - row_seq[a]
            rels = er_s[a:z][first[a:z]]
            variables = unk[v_order[v_start[g] : v_end[g]]]
            b_c = [bvals[vi][rels] for vi in range(2)]
            scales = [
                max(1.0, float(np.abs(b_c[vi]).max()), float(block.values[variables, vi].max())) for vi in range(2)
            ]
            comps.append(
                _Component(
                    block=bi,
                    variables=[int(v) for v in variables],
                    A=csr_matrix((co_s[a:z], (r_local, col_s[a:z])), shape=(len(rels), len(variables))),
                    b=[b_c[vi] / scales[vi] for vi in range(2)],
                    scale=scales,
                    relations=rels,
                )
            )
    return comps


BATCH_MIN_PROVEN = 3  # a batch program proving fewer targets ends the batches: one program each is cheaper
SOLVER_STATS = {"programs": 0, "seconds": 0.0}  # linear programs solved by this process, and their time


def _lp_x(c: np.ndarray, A: csr_matrix, b: np.ndarray, ub: np.ndarray | None) -> np.ndarray | None:
    """The optimal point of min c·x, A x = b, 0 ≤ x (≤ ub); None when unbounded (scipy's ``linprog``)."""
    bounds = np.column_stack([np.zeros(len(c)), np.full(len(c), np.inf) if ub is None else ub])
    t = time.perf_counter()
    res = linprog(c, A_eq=A, b_eq=b, bounds=bounds, method="highs")
    SOLVER_STATS["programs"] += 1
    SOLVER_STATS["seconds"] += time.perf_counter() - t
    if res.status == 3:  # unbounded
        return None
    if res.status != 0:
        raise RuntimeError(f"audit linear program failed: {res.message}")
    return np.asarray(res.x)


class _Programs:
    """The programs min c·y, A y = b, 0 ≤ y (≤ ub) of one component, c and ub varying: the model is passed
    to HiGHS once and each program changes only the costs and the upper bounds, so that the simplex method
    starts from the previous program's optimal basis (a warm start) instead of from scratch. Without
    scipy's HiGHS bindings every program goes through ``linprog``."""

    def __init__(self, A: csr_matrix, b: np.ndarray) -> None:
        self.A, self.b = A, np.asarray(b, dtype=float)
        m, n = A.shape
        self.n = n
        self.highs: Any = None
        self.scale = 1.0
        # Programs kept across audits: the model column of each block variable and the model row of each
        # block relation (−1: not in the model).
        self.col_of = np.zeros(0, dtype=np.int64)
        self.row_of = np.zeros(0, dtype=np.int64)
        if _highs is None:
            return
        csc = A.tocsc()
        lp = _highs.HighsLp()
        lp.num_col_, lp.num_row_ = n, m
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, m
        lp.a_matrix_.format_ = _highs.MatrixFormat.kColwise
        lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
        lp.a_matrix_.index_ = csc.indices.astype(np.int32)
        lp.a_matrix_.value_ = csc.data.astype(float)
        lp.col_cost_ = np.zeros(n)
        lp.col_lower_ = np.zeros(n)
        lp.col_upper_ = np.full(n, np.inf)
        lp.row_lower_ = self.b
        lp.row_upper_ = self.b
        highs = _highs._Highs()
        highs.setOptionValue("output_flag", False)
        # Primal simplex: between programs only the costs change (and the caps), so the previous optimal
        # basis stays primal feasible, or nearly; measured 25 % less CPU than HiGHS's default choice.
        highs.setOptionValue("simplex_strategy", 4)
        if highs.passModel(lp) == _highs.HighsStatus.kError:
            raise RuntimeError("audit linear program: HiGHS rejected the model")
        self.highs = highs
        self.cols = np.arange(n, dtype=np.int32)
        self.lower = np.zeros(n)
        self.order: np.ndarray | None = None  # model column of each of the adopted component's variables
        self.factor = 1.0  # the adopted component's scale over the model's

    @classmethod
    def for_component(cls, c: _Component, vi: int, n_vars: int, n_rels: int) -> _Programs:
        """The programs of component ``c`` for additive value ``vi``, able to ``adopt`` the larger
        components it becomes part of as more cells are withheld (``n_vars`` and ``n_rels`` the sizes of
        its block)."""
        assert c.relations is not None
        programs = cls(c.A, c.b[vi])
        programs.scale = c.scale[vi]
        programs.col_of = np.full(n_vars, -1, dtype=np.int64)
        programs.col_of[c.variables] = np.arange(len(c.variables))
        programs.row_of = np.full(n_rels, -1, dtype=np.int64)
        programs.row_of[c.relations] = np.arange(len(c.relations))
        return programs

    def adopt(self, c: _Component, vi: int) -> None:
        """Make these the programs of ``c``, a component holding every variable of the model (the same
        component with more withheld cells, perhaps merged with others): its new relations are added as
        rows, its new variables as columns, and the right-hand sides changed; the last optimal basis is
        kept, so that the next program starts from it instead of from scratch."""
        highs = self.highs
        assert c.relations is not None and highs is not None
        f = c.scale[vi] / self.scale
        b_model = c.b[vi] * f
        rels = np.asarray(c.relations, dtype=np.int64)
        fresh_rows = self.row_of[rels] < 0
        if fresh_rows.any():
            k = int(fresh_rows.sum())
            rows_b = b_model[fresh_rows]
            empty = np.zeros(k, dtype=np.int32)
            highs.addRows(k, rows_b, rows_b, 0, empty, np.zeros(0, dtype=np.int32), np.zeros(0))
            self.row_of[rels[fresh_rows]] = len(self.b) + np.arange(k)
            self.b = np.r_[self.b, rows_b]
        row_of = self.row_of[rels]
        variables = np.asarray(c.variables, dtype=np.int64)
        new_pos = np.flatnonzero(self.col_of[variables] < 0)
        if len(new_pos):
            k = len(new_pos)
            sub = c.A.tocsc()[:, new_pos]
            highs.addCols(
                k,
                np.zeros(k),
                np.zeros(k),
                np.full(k, np.inf),
                int(sub.nnz),
                sub.indptr[:-1].astype(np.int32),
                row_of[sub.indices].astype(np.int32),
                sub.data.astype(float),
            )
            self.col_of[variables[new_pos]] = self.n + np.arange(k)
            self.n += k
            self.cols = np.arange(self.n, dtype=np.int32)
            self.lower = np.zeros(self.n)
        for i in np.flatnonzero(self.b[row_of] != b_model):
            r = int(row_of[i])
            v = float(b_model[i])
            highs.changeRowBounds(r, v, v)
            self.b[r] = v
        self.order = self.col_of[variables]
        self.factor = f

    def set_rhs(self, b: np.ndarray) -> None:
        """Another right-hand side for the programs that follow."""
        self.b = np.asarray(b, dtype=float)
        if self.highs is not None:
            for i, v in enumerate(self.b.tolist()):
                self.highs.changeRowBounds(i, v, v)

    def solve(self, c: np.ndarray, ub: np.ndarray | None = None) -> np.ndarray | None:
        """The optimal point; None when the program is unbounded."""
        if self.highs is None:
            return _lp_x(c, self.A, self.b, ub)
        highs, n = self.highs, self.n
        order = self.order
        if order is not None:  # an adopted component: its variables in the model's columns, its scale
            cost = np.zeros(n)
            cost[order] = c
            c = cost
            if ub is not None:
                upper = np.full(n, np.inf)
                upper[order] = np.asarray(ub) * self.factor
                ub = upper
        t = time.perf_counter()
        try:
            highs.changeColsCost(n, self.cols, np.asarray(c, dtype=float))
            highs.changeColsBounds(n, self.cols, self.lower, np.full(n, np.inf) if ub is None else ub)
            status = self._run()
            if status not in _H_OPTIMAL | _H_UNBOUNDED:  # retried from scratch before giving up
                highs.clearSolver()
                status = self._run()
        finally:
            SOLVER_STATS["programs"] += 1
            SOLVER_STATS["seconds"] += time.perf_counter() - t
        if status in _H_UNBOUNDED:
            return None
        if status not in _H_OPTIMAL:
            raise RuntimeError(f"audit linear program failed: {highs.modelStatusToString(status)}")
        x = np.asarray(highs.getSolution().col_value)
        return x if order is None else x[order] / self.factor

    def _run(self) -> Any:
        if self.highs.run() == _highs.HighsStatus.kError:
            return None
        return self.highs.getModelStatus()


def single_equation_ranges(a: np.ndarray, b: float) -> tuple[np.ndarray, np.ndarray]:
    """The exact range of every y_j subject to Σ a_j y_j = b, y ≥ 0 (a_j = ±1, the system feasible),
    without a solver: the rest Σ_{i≠j} a_i y_i takes every value from −∞ (or 0 when no other coefficient
    is negative) to +∞ (or 0 when none is positive), so y_j = a_j (b − rest) within y_j ≥ 0."""
    a = np.asarray(a, dtype=float)
    n_pos = int((a > 0).sum())
    n_neg = int((a < 0).sum())
    lo = np.zeros(len(a))
    hi = np.zeros(len(a))
    for j, aj in enumerate(a):
        others_pos = n_pos - (aj > 0)
        others_neg = n_neg - (aj < 0)
        rest_max = np.inf if others_pos else 0.0
        rest_min = -np.inf if others_neg else 0.0
        if aj > 0:
            lo[j], hi[j] = max(0.0, b - rest_max), b - rest_min
        else:
            lo[j], hi[j] = max(0.0, rest_min - b), rest_max - b
    return lo, hi


def propagated_ranges(A: csr_matrix, b: np.ndarray, sweeps: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Outer bounds of every y_j subject to A y = b, y ≥ 0 (coefficients ±1), by constraint propagation:
    each relation bounds each of its unknowns by the bounds of the others (``single_equation_ranges`` from
    the current bounds instead of from [0, ∞)), all relations at once, for a number of sweeps or until
    nothing moves. Every sweep keeps the bounds valid (each feasible y stays within them), so a bound that
    does not reach a protection interval proves the value narrowed, without a solver; the bounds need not
    be the tightest (the linear programs decide what they leave)."""
    A = csr_matrix(A)
    m, n = A.shape
    rows = np.repeat(np.arange(m), np.diff(A.indptr))
    cols = A.indices
    a = A.data.astype(float)
    pos = a > 0
    br = np.asarray(b, dtype=float)[rows]
    lo = np.zeros(n)
    hi = np.full(n, np.inf)
    slack = 1e-9 * max(1.0, float(np.abs(br).max(initial=0.0)))
    for _sweep in range(sweeps):
        cmin = np.where(pos, a * lo[cols], a * hi[cols])  # the entry's least contribution a·y
        cmax = np.where(pos, a * hi[cols], a * lo[cols])
        min_inf = np.isinf(cmin)
        max_inf = np.isinf(cmax)
        smin = np.bincount(rows, weights=np.where(min_inf, 0.0, cmin), minlength=m)[rows]
        smax = np.bincount(rows, weights=np.where(max_inf, 0.0, cmax), minlength=m)[rows]
        nmin = np.bincount(rows, weights=min_inf.astype(float), minlength=m)[rows] - min_inf
        nmax = np.bincount(rows, weights=max_inf.astype(float), minlength=m)[rows] - max_inf
        rest_min = np.where(nmin > 0, -np.inf, smin - np.where(min_inf, 0.0, cmin))
        rest_max = np.where(nmax > 0, np.inf, smax - np.where(max_inf, 0.0, cmax))
        # a·y_j = b − rest, the rest within [rest_min, rest_max]
        # Each derived bound is loosened by ``slack``: the known sums carry rounding errors, so the
        # relations may be inconsistent at the last digits, which sweeps would otherwise compound.
        e_lo = np.where(pos, br - rest_max, rest_min - br) - slack
        e_hi = np.where(pos, br - rest_min, rest_max - br) + slack
        new_lo = lo.copy()
        new_hi = hi.copy()
        np.maximum.at(new_lo, cols, e_lo)
        np.minimum.at(new_hi, cols, e_hi)
        finite = np.isfinite(hi)
        moved = (
            (new_lo - lo).max(initial=0.0) > slack
            or bool((np.isfinite(new_hi) != finite).any())
            or ((hi[finite] - new_hi[finite]).max(initial=0.0) > slack)
        )
        lo, hi = new_lo, new_hi
        if not moved:
            break
    return lo, hi


Finding = tuple[int, int, int, float, float]  # block, variable, value index, lower, upper


class _Kept:
    """The programs of a block's components for one additive value, kept from audit to audit: the
    programs holding each variable (``owner``, an index into ``programs``, −1 for none)."""

    def __init__(self, n_vars: int, n_rels: int) -> None:
        self.n_vars, self.n_rels = n_vars, n_rels
        self.owner = np.full(n_vars, -1, dtype=np.int64)
        self.programs: list[_Programs] = []

    def programs_of(self, c: _Component, vi: int) -> _Programs:
        """The programs of component ``c``: those of the largest earlier component within it, adopting
        ``c``, or new ones."""
        held = np.unique(self.owner[c.variables])
        held = held[held >= 0]
        if len(held):
            best = int(max(held, key=lambda i: self.programs[int(i)].n))
            programs = self.programs[best]
            programs.adopt(c, vi)
            self.programs[best] = programs
        else:
            best = len(self.programs)
            programs = _Programs.for_component(c, vi, self.n_vars, self.n_rels)
            self.programs.append(programs)
        self.owner[c.variables] = best
        return programs


Models = dict[tuple[int, int], _Kept]  # (block, additive value) → the programs kept for it


def _kept_programs(models: Models, blocks: list[_Block], c: _Component, vi: int) -> _Programs:
    kept = models.get((c.block, vi))
    if kept is None:
        block = blocks[c.block]
        kept = models[(c.block, vi)] = _Kept(len(block.rows), len(block.relations))
    return kept.programs_of(c, vi)


Certified = set[tuple[int, int, int, int]]  # block, variable, value index, direction (1 upward, -1 downward)


def _audit(
    blocks: list[_Block],
    unknowns: list[np.ndarray],
    pct: float,
    only: set[int] | None = None,
    *,
    closed_forms: bool = True,
    cache: dict[tuple[int, tuple[int, ...]], list[Finding]] | None = None,
    certified: Certified | None = None,
    exact_bounds: bool = True,
    models: Models | None = None,
) -> list[Finding]:
    """Every withheld cell (unknown with a frame row) whose range does not reach its protection interval.

    A component of a single relation has its ranges in closed form (``single_equation_ranges``). In the
    others, constraint propagation (``propagated_ranges``) proves most narrowed values without a solver;
    the rest are decided by linear programs per component (``_decide``), few of which look at one target.

    ``certified`` holds the (block, variable, value, direction) already proven to reach their protection
    bound; they are not looked at again, and those proven now are added. This is sound across calls
    while the withheld cells only grow (as in ``protect``): a feasible point of the tables with fewer
    unknowns, completed by the true values of the newly withheld cells, is feasible with more.
    ``exact_bounds=False`` reports a value narrowed by propagation with its propagated bound (valid but
    perhaps wider than the exact one) instead of solving for the exact bound.
    """
    comps = [c for c in _components(blocks, unknowns, only) if only is None or c.block in only]
    if cache is not None:
        # A component with the same withheld cells as at an earlier audit has the same relations and
        # known sums, hence the same findings.
        known = [c for c in comps if (c.block, tuple(c.variables)) in cache]
        fresh = [c for c in comps if (c.block, tuple(c.variables)) not in cache]
        new = _audit_components(blocks, fresh, pct, closed_forms, certified, exact_bounds, models)
        owner: dict[tuple[int, int], tuple[int, tuple[int, ...]]] = {}
        for c in fresh:
            key = (c.block, tuple(c.variables))
            owner.update(dict.fromkeys(((c.block, v) for v in c.variables), key))
        for c in fresh:
            cache[(c.block, tuple(c.variables))] = []
        for f in new:
            cache[owner[(f[0], f[1])]].append(f)
        return [f for c in known for f in cache[(c.block, tuple(c.variables))]] + new
    return _audit_components(blocks, comps, pct, closed_forms, certified, exact_bounds)


def _audit_components(
    blocks: list[_Block],
    comps: list[_Component],
    pct: float,
    closed_forms: bool,
    certified: Certified | None = None,
    exact_bounds: bool = True,
    models: Models | None = None,
) -> list[Finding]:
    found: list[Finding] = []
    for c in comps:
        block = blocks[c.block]
        is_target = block.rows_array()[c.variables] >= 0
        single = closed_forms and c.A.shape[0] == 1
        a = c.A.toarray()[0] if single else None
        programs: _Programs | None = None
        for vi in range(2):
            x0 = block.values[c.variables, vi] / c.scale[vi]
            need_hi, need_lo = x0 * (1 + pct / 100.0), x0 * (1 - pct / 100.0)
            tol = 1e-7 + 1e-6 * x0
            up = is_target.copy()
            dn = is_target & ~((need_lo <= tol) & (x0 <= tol))
            if a is not None:
                lo_r, hi_r = single_equation_ranges(a, float(c.b[vi][0]))
                for j in np.flatnonzero(up & (hi_r < need_hi - tol)):
                    found.append((c.block, c.variables[j], vi, float("nan"), float(hi_r[j]) * c.scale[vi]))
                for j in np.flatnonzero(dn & (lo_r > need_lo + tol)):
                    found.append((c.block, c.variables[j], vi, float(lo_r[j]) * c.scale[vi], float("nan")))
                continue
            if certified is not None:
                up &= np.array([(c.block, v, vi, 1) not in certified for v in c.variables])
                dn &= np.array([(c.block, v, vi, -1) not in certified for v in c.variables])
            if not (up.any() or dn.any()):
                continue
            if models is not None and _highs is not None and c.relations is not None:
                programs = _kept_programs(models, blocks, c, vi)
            elif programs is None:
                programs = _Programs(c.A, c.b[vi])
            else:  # the other additive value: the same matrix, another right-hand side, the last basis kept
                programs.set_rhs(c.b[vi])
            narrowed, ok_up, ok_dn = _decide(
                c.A, c.b[vi], x0, up, dn, pct, propagate=closed_forms, exact_bounds=exact_bounds, programs=programs
            )
            for k, lo, hi in narrowed:
                found.append((c.block, c.variables[k], vi, lo * c.scale[vi], hi * c.scale[vi]))
            if certified is not None:
                certified.update((c.block, c.variables[j], vi, 1) for j in np.flatnonzero(ok_up))
                certified.update((c.block, c.variables[j], vi, -1) for j in np.flatnonzero(ok_dn))
    return found


def _decide(
    A: csr_matrix,
    b: np.ndarray,
    x0: np.ndarray,
    up: np.ndarray,
    down: np.ndarray,
    pct: float,
    *,
    propagate: bool = True,
    exact_bounds: bool = True,
    programs: _Programs | None = None,
) -> tuple[list[tuple[int, float, float]], np.ndarray, np.ndarray]:
    """Decide, for one component A y = b, y ≥ 0 (true point ``x0``), whether each unknown marked in ``up``
    can reach x0 × (1 + p/100) and each marked in ``down`` can reach x0 × (1 − p/100).

    1. Propagation (``propagated_ranges``) proves some values narrowed outright.
    2. Batch programs: maximise the sum of the undecided upward targets, each capped at its protection
       bound (so the program spreads the rise over them), until a program proves fewer than
       ``BATCH_MIN_PROVEN`` new targets; then minimise the sum of the undecided downward targets the same
       way. Every program's optimal point is a feasible point of the tables, and every target it puts
       beyond its bound, in either direction, is proven protected in that direction; so is every target
       put beyond its bound by the farthest non-negative points of the line through that point and the
       true point (both feasible, so is their line where non-negative).
    3. The targets left: one program each (maximise or minimise that value alone), its optimum the exact
       bound; its point too proves the other targets it puts beyond their bounds.

    Returns the narrowed values (index, lower or NaN, upper or NaN) and the masks of those proven protected
    upward and downward."""
    need_hi, need_lo = x0 * (1 + pct / 100.0), x0 * (1 - pct / 100.0)
    tol = 1e-7 + 1e-6 * x0
    up, down = up.copy(), down.copy()
    ok_up = up & (x0 >= need_hi - tol)  # zero cells: the true point reaches the bound
    up &= ~ok_up
    ok_dn = np.zeros_like(up)
    narrowed: list[tuple[int, float, float]] = []
    exact: list[tuple[int, int]] = []  # (index, direction) whose exact bound is to be solved for
    if propagate:
        lo_p, hi_p = propagated_ranges(A, b)
        if (lo_p > x0 + tol).any() or (hi_p < x0 - tol).any():  # the true point must lie within
            lo_p, hi_p = np.zeros(len(x0)), np.full(len(x0), np.inf)
        for i in np.flatnonzero(up & (hi_p < need_hi - tol)):
            if exact_bounds:
                exact.append((int(i), 1))
            else:
                narrowed.append((int(i), float("nan"), float(hi_p[i])))
            up[i] = False
        for i in np.flatnonzero(down & (lo_p > need_lo + tol)):
            if exact_bounds:
                exact.append((int(i), -1))
            else:
                narrowed.append((int(i), float(lo_p[i]), float("nan")))
            down[i] = False

    def certify_point(x: np.ndarray) -> int:
        new_up = up & (x >= need_hi - tol)
        new_dn = down & (x <= need_lo + tol)
        up[new_up] = False
        down[new_dn] = False
        ok_up[new_up] = True
        ok_dn[new_dn] = True
        return int(new_up.sum() + new_dn.sum())

    def certify(x: np.ndarray) -> int:
        """The targets the feasible point ``x`` proves, and those proven by the two points of the line
        through it and the true point that are farthest out while non-negative: x0 + s (x − x0) and
        x0 − t (x − x0) (the feasible points are convex and the true point is one of them)."""
        n = certify_point(x)
        d = x - x0
        for sign in (1.0, -1.0):
            if not (up.any() or down.any()):
                break
            dd = sign * d
            falling = dd < -1e-12
            if not falling.any():
                continue
            reach = float((x0[falling] / -dd[falling]).min()) * (1 - 1e-9)
            if reach <= (1.0 if sign > 0 else 0.0):
                continue
            point = x0 + reach * dd
            if (point >= -tol).all():
                n += certify_point(point)
        return n

    programs = programs or _Programs(A, b)
    for direction in (1, -1):
        undecided = up if direction == 1 else down
        while undecided.any():
            before = int(undecided.sum())
            cvec = np.where(undecided, -1.0 if direction == 1 else 1.0, 0.0)
            try:
                x = programs.solve(cvec, np.where(undecided, need_hi, np.inf) if direction == 1 else None)
            except RuntimeError:  # numerically awkward with the caps: decided one by one below
                break
            if x is None:
                break
            certify(x)
            if before - int(undecided.sum()) < BATCH_MIN_PROVEN:
                break
    # Exact bounds of values already proven narrowed (their points prove nothing new).
    n = A.shape[1]
    for j, direction in exact:
        cvec = np.zeros(n)
        cvec[j] = -1.0 if direction == 1 else 1.0
        x = programs.solve(cvec)
        if x is None:
            raise RuntimeError("audit: a value proven narrowed is unbounded in its program")
        bound = float(x[j])
        narrowed.append((j, float("nan"), bound) if direction == 1 else (j, bound, float("nan")))
    left = [(int(j), 1) for j in np.flatnonzero(up)] + [(int(j), -1) for j in np.flatnonzero(down)]
    for t, direction in left:
        j = int(t)
        if (direction == 1 and ok_up[j]) or (direction == -1 and ok_dn[j]):
            continue  # proven by an earlier program's point
        cvec = np.zeros(n)
        cvec[j] = -1.0 if direction == 1 else 1.0
        x = programs.solve(cvec)
        if x is None:  # unbounded above
            ok_up[j] = True
            up[j] = False
            continue
        certify(x)
        if direction == 1 and x[j] < need_hi[j] - tol[j]:
            narrowed.append((j, float("nan"), float(x[j])))
        elif direction == -1 and x[j] > need_lo[j] + tol[j]:
            narrowed.append((j, float(x[j]), float("nan")))
    return narrowed, ok_up, ok_dn


def _unknowns(blocks: list[_Block], status: np.ndarray) -> list[np.ndarray]:
    out = []
    for block in blocks:
        rows = np.array(block.rows)
        out.append((rows < 0) | ((rows >= 0) & (status[np.maximum(rows, 0)] != "published")))
    return out


def attack(published: pl.DataFrame, *, protection_percent: float = 10.0, workers: int | None = None) -> list[Recovery]:
    """The linear-programming audit of a protected edition (the frame ``protect`` returns, with the true
    values of the withheld cells): every withheld cell whose weighted employees or weighted total pay can
    be narrowed, from the published cells and the tables' additivity, to within value × (1 ± p/100).
    One finding per cell, value and side (the side not narrowed reads NaN). The tables are audited in
    ``workers`` processes (default ``default_workers()``); the findings do not depend on their number."""
    status = published["status"].to_numpy()
    blocks = _blocks(published)
    unknowns = _unknowns(blocks, status)

    def task(bi: int) -> list[Finding]:
        return _audit([blocks[bi]], [unknowns[bi]], protection_percent)

    per_table = dict(_per_table(task, _withheld_tables(blocks, unknowns), workers))
    out: list[Recovery] = []
    found = [(bi, *f[1:]) for bi in sorted(per_table) for f in per_table[bi]]
    for bi, v, vi, lo, hi in found:
        val = float(blocks[bi].values[v, vi])
        out.append(
            Recovery(
                row=int(blocks[bi].rows[v]),
                value=ADDITIVE[vi],
                true_value=val,
                lower=lo,
                upper=hi,
                protection_lower=val * (1 - protection_percent / 100.0),
                protection_upper=val * (1 + protection_percent / 100.0),
            )
        )
    return out


# ---------------------------------------------------------------------------------------------- protect


def _cheapest_in(
    block: _Block,
    rel: tuple[int, list[int]],
    unknown: np.ndarray,
    need: float | None,
    vi: int = 0,
    both: np.ndarray | None = None,
) -> int | None:
    p, ch = rel
    cands = [v for v in (p, *ch) if not unknown[v] and block.rows[v] >= 0 and block.values[v, 0] > 0]
    if not cands:
        return None
    if need is not None:
        big = [v for v in cands if block.values[v, vi] >= need]
        if big:
            cands = big
            if both is not None:  # large enough for both additive values, when there is such a cell
                bigger = [v for v in cands if (block.values[v] >= both).all()]
                cands = bigger or cands
    if len(cands) == 1:
        return cands[0]
    by_var = block.relations_of()
    relations = block.relations

    def opened(v: int) -> int:
        """The other relations of ``v`` in which it would be the only withheld cell (each needs a further
        complement)."""
        others = (relations[k] for k in by_var.get(v, ()) if relations[k] is not rel)
        return sum(not any(unknown[x] for x in (q, *cq) if x != v) for q, cq in others)

    return min(cands, key=lambda v: (opened(v), block.values[v, 0], -block.depth[v]))


def _complement_for(
    block: _Block, supp: np.ndarray, v: int, need: float, vi: int, both: np.ndarray | None = None
) -> int | None:
    """The cheapest published cell in a relation through ``v``; failing that, through the withheld cells
    linked to it (breadth first)."""
    by_var = block.relations_of()
    frontier, visited = [v], {v}
    while frontier:
        best: int | None = None
        nxt: list[int] = []
        for u in frontier:
            for k in by_var.get(u, []):
                rel = block.relations[k]
                c = _cheapest_in(block, rel, supp, need, vi, both)
                if c is not None and (best is None or block.values[c, 0] < block.values[best, 0]):
                    best = c
                for x in (rel[0], *rel[1]):
                    if supp[x] and x not in visited:
                        visited.add(x)
                        nxt.append(x)
        if best is not None:
            return best
        frontier = nxt
    return None


def default_workers() -> int:
    """Processes for complementary suppression: the ``WAGES_WORKERS`` setting, else the machine's cores."""
    configured = None
    try:
        from django.conf import settings

        if settings.configured:
            configured = getattr(settings, "WAGES_WORKERS", None)
    except ImportError:  # pragma: no cover - used without Django
        pass
    return max(1, int(configured or os.cpu_count() or 1))


def _close_singles(block: _Block, supp: np.ndarray, pct: float, added: list[int], todo: Iterable[int]) -> None:
    """No relation may hold a single withheld cell: for each relation of ``todo`` (and of every cell
    withheld meanwhile) that does, the cheapest published cell of the relation at least p% of the withheld
    one in both additive values (failing that, the cheapest) is withheld with it, which protects it along
    that relation by construction. The relations are looked at in turn, first in, first out; ``supp`` and
    ``added`` are updated."""
    by_var = block.relations_of()
    rows = block.rows
    # Only a relation with one withheld cell now needs a look (the others gain one when a cell of theirs is
    # withheld, and are looked at then; one with two or more never comes back to one).
    rel, var, _coef = block.incidence()
    count = np.bincount(rel, weights=supp[var], minlength=len(block.relations))
    queue = deque(k for k in todo if count[k] == 1)
    queued = set(queue)
    while queue:
        k = queue.popleft()
        queued.discard(k)
        p, ch = block.relations[k]
        unk = [v for v in (p, *ch) if supp[v]]
        if len(unk) != 1 or rows[unk[0]] < 0:
            continue
        both = block.values[unk[0]] * pct / 100.0
        v = _cheapest_in(block, block.relations[k], supp, float(both[0]), 0, both)
        if v is None:
            continue
        supp[v] = True
        added.append(v)
        for k2 in by_var.get(v, ()):
            if k2 not in queued:
                queued.add(k2)
                queue.append(k2)


def _local_fixes(block: _Block, supp: np.ndarray, v: int, sides: set[int], need: np.ndarray) -> list[int]:
    """For withheld cell ``v``, narrowed in the directions ``sides`` (1 upward, −1 downward), the cheapest
    published cell of each relation through it that cannot on its own let it move by ``need`` (both
    additive values) in such a direction: in a relation where v is a part, rising needs a withheld part
    at least ``need`` that can fall, or the withheld total rising; falling needs another withheld part
    rising or the withheld total, at least ``need``, falling. Where v is the total, rising needs a withheld
    part rising, falling a withheld part at least ``need`` falling. A cell is a candidate when withholding
    it would supply what the relation lacks."""
    values = block.values_list()
    rows = block.rows
    n0, n1 = float(need[0]), float(need[1])

    def big(x: int) -> bool:
        e, w = values[x]
        return e >= n0 and w >= n1

    out: list[int] = []
    for k in block.relations_of().get(v, ()):
        p, ch = block.relations[k]
        for side in sides:
            if v == p:
                if any(supp[x] and (side == 1 or big(x)) for x in ch):
                    continue
                cands = [x for x in ch if side == 1 or big(x)]
            elif side == 1:
                if supp[p] or any(supp[x] and x != v and big(x) for x in ch):
                    continue
                cands = [x for x in ch if x != v and big(x)] + [p]
            else:
                if any(supp[x] and x != v for x in ch) or (supp[p] and big(p)):
                    continue
                cands = [x for x in ch if x != v] + ([p] if big(p) else [])
            cands = [x for x in cands if not supp[x] and rows[x] >= 0 and values[x][0] > 0]
            if cands:
                out.append(min(cands, key=lambda x: (values[x][0], -block.depth[x])))
    return out


def _protect_block(block: _Block, supp: np.ndarray, pct: float) -> list[int]:
    """The complements of one linked table (its variables, in the order chosen), ``supp`` its withheld
    variables (updated). Tables are independent: no relation links two of them."""
    added: list[int] = []
    if not (np.array(block.rows)[supp] >= 0).any():
        return added
    # 1. No relation may hold a single unknown.
    _close_singles(block, supp, pct, added, range(len(block.relations)))
    # ... and each relation through a withheld cell supplies what it needs to move by its margin, both ways
    # (``_local_fixes``; measured: a third fewer programs in all, about the same complements).
    by_var = block.relations_of()
    start = len(added)
    for v in np.flatnonzero(supp & (block.rows_array() >= 0)).tolist():
        for c in _local_fixes(block, supp, v, {1, -1}, block.values[v] * pct / 100.0):
            if not supp[c]:
                supp[c] = True
                added.append(c)
    _close_singles(block, supp, pct, added, [k for v in added[start:] for k in by_var.get(v, ())])
    # 2. The exact audit, adding complements until nothing can be narrowed; each round's complements are
    # closed as in 1 before the next audit (a complement alone in another relation would be found exactly).
    stuck: set[int] = set()
    cache: dict[tuple[int, tuple[int, ...]], list[Finding]] = {}  # re-audit only changed components
    certified: Certified = set()  # proven protected: stays so as more cells are withheld
    models: Models = {}  # the programs of each component, kept from round to round (warm starts)
    while True:
        found = _audit([block], [supp], pct, cache=cache, certified=certified, exact_bounds=False, models=models)
        seen: set[int] = set()
        start = len(added)
        sides: dict[int, set[int]] = defaultdict(set)
        for _bi, v, _vi, _lo, hi in found:
            sides[v].add(-1 if np.isnan(hi) else 1)  # narrowed upward (an upper bound) or downward
        for _bi, v, vi, _lo, _hi in found:
            if v in stuck or v in seen:
                continue
            seen.add(v)
            need = block.values[v] * pct / 100.0
            # The relations through v that cannot, on their own, let it move by its protection margin get a
            # complement each; when all of them could, the cheapest cell linked with it.
            fixes = _local_fixes(block, supp, v, sides[v], need)
            if not fixes:
                best = _complement_for(block, supp, v, float(need[vi]), vi, need)
                if best is None:
                    stuck.add(v)  # everything it is linked with is withheld already
                    continue
                fixes = [best]
            for best in fixes:
                if not supp[best]:
                    supp[best] = True
                    added.append(best)
        if len(added) == start:
            return added
        _close_singles(block, supp, pct, added, [k for v in added[start:] for k in by_var.get(v, ())])


_FORKED: dict[str, Any] = {}  # the task handed to the forked processes (inherited with its tables, not pickled)


def _run_forked(bi: int) -> tuple[int, Any, dict[str, float]]:
    before = dict(SOLVER_STATS)
    result = _FORKED["task"](bi)
    return bi, result, {k: SOLVER_STATS[k] - before[k] for k in SOLVER_STATS}


def _per_table(task: Callable[[int], T], todo: list[int], workers: int | None) -> Iterator[tuple[int, T]]:
    """(table, ``task(table)``) for the tables in ``todo``: in ``workers`` forked processes (the tables are
    inherited, not copied; handed out in the order given, so the largest first), in the order they end,
    or in this process, in order. Tables are independent: no relation links two of them."""
    n = min(workers or default_workers(), len(todo))
    if n > 1 and ("fork" not in mp.get_all_start_methods() or mp.current_process().daemon):
        n = 1  # no fork on this platform, or a daemonic worker process, which may not have children
    if n <= 1:
        for bi in todo:
            yield bi, task(bi)
        return
    if _highs is not None:
        _highs._Highs.resetGlobalScheduler(True)  # no solver threads across the fork
    _FORKED["task"] = task
    pool = ProcessPoolExecutor(max_workers=n, mp_context=mp.get_context("fork"))
    try:
        futures = [pool.submit(_run_forked, bi) for bi in todo]
        for future in as_completed(futures):
            bi, result, stats = future.result()
            for k, v in stats.items():
                SOLVER_STATS[k] += v
            yield bi, result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _FORKED.clear()


def _withheld_tables(blocks: list[_Block], unknowns: list[np.ndarray]) -> list[int]:
    """The tables holding a withheld cell, the most unknowns first."""
    todo = [bi for bi, (b, u) in enumerate(zip(blocks, unknowns, strict=True)) if (b.rows_array()[u] >= 0).any()]
    return sorted(todo, key=lambda bi: -int(unknowns[bi].sum()))


def _complements(
    blocks: list[_Block],
    unknowns: list[np.ndarray],
    pct: float,
    workers: int | None,
    progress: Callable[[str, float], None] | None,
) -> Iterator[tuple[int, list[int]]]:
    """(table, complements) of every table with withheld cells (``unknowns`` updated)."""
    todo = _withheld_tables(blocks, unknowns)

    def task(bi: int) -> list[int]:
        return _protect_block(blocks[bi], unknowns[bi].copy(), pct)

    for done, (bi, added) in enumerate(_per_table(task, todo, workers), 1):
        unknowns[bi][added] = True
        yield bi, added
        if progress:
            progress("audit", done / len(todo))


def protect(
    cells: pl.DataFrame,
    rules: Rules | None = None,
    *,
    secondary: bool = True,
    progress: Callable[[str, float], None] | None = None,
    workers: int | None = None,
) -> pl.DataFrame:
    """``cells`` + status, reason, reason_detail: primary suppression by the rules, then complementary
    suppression that the LP audit proves sufficient (``secondary=False`` skips it, for tests of the audit).
    ``progress(stage, fraction)``, if given, is called as each stage starts ("primary", "complementary",
    "audit") and as each table is protected, with the share of tables done. The tables are independent,
    so ``workers`` processes (default ``default_workers()``) protect them side by side; the result is the
    same for any number of workers."""
    rules = rules or Rules()
    if progress:
        progress("primary", 0.0)
    reasons, details = primary(cells, rules)
    status = np.array(["published" if r is None else "suppressed_primary" for r in reasons], dtype=object)
    reason = np.array([r or "" for r in reasons], dtype=object)
    detail = np.array(details, dtype=object)
    # Digital cells are copies of occupation cells: they follow them (made below).
    kind = cells["cell_kind"].to_numpy()
    if secondary:
        if progress:
            progress("complementary", 0.0)
        blocks = _blocks(cells)
        unknowns = _unknowns(blocks, status)
        for bi, added in _complements(blocks, unknowns, rules.protection_percent, workers, progress):
            for v in added:
                r = blocks[bi].rows[v]
                status[r] = "suppressed_secondary"
                reason[r] = "complementary"
                detail[r] = "protects withheld cells of the same total"
    out = cells.with_columns(
        status=pl.Series(status.astype(str)),
        reason=pl.Series(reason.astype(str)),
        reason_detail=pl.Series(detail.astype(str)),
    )
    if (kind == "digital_level").any():
        key = ["region_code", "occupation_code", "skill_level"]
        occ_status = out.filter(pl.col("cell_kind") == "occupation_level").select(
            *key, pl.col("status").alias("_s"), pl.col("reason").alias("_r"), pl.col("reason_detail").alias("_d")
        )
        out = (
            out.with_row_index("_i")
            .join(occ_status, on=key, how="left")
            .with_columns(
                status=pl.when(pl.col("cell_kind") == "digital_level").then(pl.col("_s")).otherwise(pl.col("status")),
                reason=pl.when(pl.col("cell_kind") == "digital_level").then(pl.col("_r")).otherwise(pl.col("reason")),
                reason_detail=pl.when(pl.col("cell_kind") == "digital_level")
                .then(pl.col("_d"))
                .otherwise(pl.col("reason_detail")),
            )
            .sort("_i")
            .drop("_i", "_s", "_r", "_d")
        )
    return out
