"""Disclosure control: primary rules with their reasons, complementary suppression, the LP audit."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from gongjiang.synth import wage_survey as ws
from gongjiang.wages import disclosure as dc
from gongjiang.wages import estimation as est


def _cell(**over: object) -> dict[str, object]:
    base: dict[str, object] = {
        "cell_kind": "occupation_level",
        "region_code": "320400",
        "region_level": "edition",
        "occupation_code": "6-18-02-04",
        "minor_group": None,
        "skill_level": "level3",
        "industry_section": None,
        "level_group": None,
        "n_enterprises": 12,
        "n_employees": 80,
        "weighted_employees": 400.0,
        "weighted_total_pay": 400.0 * 90_000,
        "p50": 90_000.0,
        "se_p50": 3_000.0,
        "top1_share": 0.2,
        "top2_share": 0.35,
    }
    base.update(over)
    return base


@pytest.mark.parametrize(
    ("over", "reason", "figure"),
    [
        ({"n_enterprises": 2}, "few_enterprises", "enterprises=2"),
        ({"n_employees": 7}, "few_employees", "employees=7"),
        ({"top1_share": 0.5, "top2_share": 0.9}, "dominance", "top2_share=0.900"),
        ({"top1_share": 0.88, "top2_share": 0.93}, "p_percent", "rest=0.070"),
        ({"top1_share": 0.6, "top2_share": 0.945}, "p_percent", "rest=0.055"),
        ({"se_p50": 20_000.0}, "precision", "relative_se_p50=0.222"),
    ],
)
def test_each_primary_rule_suppresses_and_names_its_reason(over: dict[str, object], reason: str, figure: str) -> None:
    cells = pl.DataFrame([_cell(), _cell(occupation_code="6-18-02-01", **over)])
    # With the default dominance rule (2 enterprises, 85%) the p% rule at 10% adds nothing (the rest is at
    # least 15%); it acts under a looser dominance rule.
    rules = dc.Rules(dominance_k=0.95) if reason == "p_percent" else dc.Rules()
    out = dc.protect(cells, rules, secondary=False)
    assert out["status"].to_list() == ["published", "suppressed_primary"]
    assert out["reason"].to_list() == ["", reason]
    assert figure in out["reason_detail"][1]
    assert reason in dc.REASON_LABELS


def _district_table(values: dict[str, float], suppressed: set[str]) -> pl.DataFrame:
    """A city (常州) and its districts for one occupation and level; suppressed districts by few enterprises."""
    rows = [
        _cell(
            region_code=code,
            region_level="district",
            weighted_employees=v,
            weighted_total_pay=v * 80_000,
            n_enterprises=1 if code in suppressed else 12,
        )
        for code, v in values.items()
    ]
    total = sum(values.values())
    rows.append(
        _cell(region_code="320400", region_level="edition", weighted_employees=total, weighted_total_pay=total * 80_000)
    )
    return pl.DataFrame(rows)


def test_the_attack_recovers_a_lone_suppressed_cell_from_the_margin() -> None:
    cells = _district_table({"320402": 120.0, "320404": 80.0, "320411": 60.0}, {"320404"})
    unprotected = dc.protect(cells, secondary=False)
    found = dc.attack(unprotected)
    rows = {r.row for r in found}
    assert rows == {1}
    exact = [r for r in found if r.value == "weighted_employees"]
    assert all(r.lower == pytest.approx(80.0) or r.upper == pytest.approx(80.0) for r in exact)
    protected = dc.protect(cells)
    assert protected["status"].to_list()[:3] == ["suppressed_secondary", "suppressed_primary", "published"] or (
        protected["status"].to_list()[2] == "suppressed_secondary"
    )
    assert dc.attack(protected) == []
    assert set(protected.filter(pl.col("status") == "suppressed_secondary")["reason"]) == {"complementary"}


def test_the_attack_narrows_a_cell_the_levels_almost_determine() -> None:
    """Two suppressed levels whose sum is known: each is bounded by the other's size, too narrow for the
    larger one (the remainder without a level is tiny)."""
    levels = {"level5": 300.0, "level4": 5.0, "level3": 100.0}
    rows = [
        _cell(
            skill_level=k,
            weighted_employees=v,
            weighted_total_pay=v * 70_000,
            n_enterprises=1 if k in ("level5", "level4") else 12,
        )
        for k, v in levels.items()
    ]
    rows.append(_cell(skill_level="all", weighted_employees=406.0, weighted_total_pay=406.0 * 70_000))
    cells = pl.DataFrame(rows)
    found = dc.attack(dc.protect(cells, secondary=False))
    assert {r.row for r in found} == {0}  # level5 lies within [300, 301]: narrower than ±10%
    protected = dc.protect(cells)
    assert dc.attack(protected) == []
    assert protected["status"][2] == "suppressed_secondary"


def test_the_all_industry_cells_are_margins_of_the_industry_cells() -> None:
    """常州's intermediate level group by industry section and for all industries (the dashboard's row):
    a section withheld alone is given away by the all-industry cell, and protection closes that."""
    sections = {"C": 500.0, "F": 90.0, "G": 150.0, "H": 70.0}
    rows = [
        _cell(
            cell_kind="industry_level_group",
            occupation_code=None,
            skill_level=None,
            industry_section=sec,
            level_group="intermediate",
            weighted_employees=v,
            weighted_total_pay=v * 75_000,
            n_enterprises=2 if sec == "F" else 12,
        )
        for sec, v in sections.items()
    ]
    total = sum(sections.values())
    rows.append(
        _cell(
            cell_kind="industry_level_group",
            occupation_code=None,
            skill_level=None,
            industry_section=None,
            level_group="intermediate",
            weighted_employees=total,
            weighted_total_pay=total * 75_000,
        )
    )
    cells = pl.DataFrame(rows)
    found = dc.attack(dc.protect(cells, secondary=False))
    assert {r.row for r in found} == {1}
    assert any(r.value == "weighted_employees" and r.lower == pytest.approx(90.0) for r in found)
    protected = dc.protect(cells)
    assert dc.attack(protected) == []
    assert protected["status"][1] == "suppressed_primary"
    assert (protected["status"] == "suppressed_secondary").sum() >= 1
    assert protected["status"][4] == "published"  # the cheaper section is withheld, not the margin


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_nothing_can_be_recovered_after_protection_on_survey_tables(seed: int) -> None:
    survey = ws.generate(enterprises=150, employees=6_000, seed=seed)
    region = ("320400", "320500", "320100")[seed % 3]
    e = est.estimate_edition(
        survey.employees, survey.sample, survey.frame, region_code=region, replicates=20, seed=seed
    )
    rules = dc.Rules()
    bare = dc.protect(e.cells, rules, secondary=False)
    assert len(dc.attack(bare)) > 0  # the primary pattern alone leaks through the margins
    protected = dc.protect(e.cells, rules)
    assert dc.attack(protected) == []
    status = protected["status"].to_numpy()
    assert (status == "suppressed_secondary").any() and (status == "published").any()
    reasons = protected.filter(pl.col("status") != "published")["reason"].to_list()
    assert all(r in dc.REASON_LABELS for r in reasons)
    # Digital cells follow their occupation cells.
    occ = protected.filter(pl.col("cell_kind") == "occupation_level").select(
        "region_code", "occupation_code", "skill_level", pl.col("status").alias("s")
    )
    dig = protected.filter(pl.col("cell_kind") == "digital_level").join(
        occ, on=["region_code", "occupation_code", "skill_level"]
    )
    assert (dig["status"] == dig["s"]).all()


def test_random_additive_tables_are_protected() -> None:
    """Random district values for several occupations of one minor group and their levels, with every
    margin (levels → all, districts → city, occupations → minor group) and random primary suppressions."""
    rng = np.random.default_rng(7)
    districts = ["320402", "320404", "320411", "320412", "320413", "320481"]
    occs = ["6-18-02-01", "6-18-02-02", "6-18-02-04"]
    levels = ["level5", "level4", "level3", "level2", "level1"]
    for _round in range(3):
        vals: dict[tuple[str, str, str], float] = {}
        pays: dict[tuple[str, str, str], float] = {}
        for d in districts:
            for o in occs:
                for lv in [*levels, "none"]:
                    vals[(d, o, lv)] = float(rng.integers(5, 400))
                    pays[(d, o, lv)] = vals[(d, o, lv)] * float(rng.uniform(5e4, 1.5e5))
        rows: list[dict[str, object]] = []

        def add(
            region: str,
            rlevel: str,
            occ: str | None,
            minor: str | None,
            lv: str,
            v: float,
            pay: float,
            rows: list[dict[str, object]] = rows,
        ) -> None:
            rows.append(
                _cell(
                    cell_kind="occupation_level" if occ else "minor_group_level",
                    region_code=region,
                    region_level=rlevel,
                    occupation_code=occ,
                    minor_group=minor,
                    skill_level=lv,
                    weighted_employees=v,
                    weighted_total_pay=pay,
                    n_enterprises=int(rng.choice([1, 2, 5, 9, 20], p=[0.15, 0.1, 0.25, 0.25, 0.25])),
                )
            )

        for region, rlevel, ds in [(d, "district", [d]) for d in districts] + [("320400", "edition", districts)]:
            for lv in [*levels, "all"]:
                lvs = [*levels, "none"] if lv == "all" else [lv]
                for o in occs:
                    keys = [(d, o, x) for d in ds for x in lvs]
                    add(region, rlevel, o, None, lv, sum(vals[k] for k in keys), sum(pays[k] for k in keys))
                keys = [(d, o, x) for d in ds for o in occs for x in lvs]
                add(region, rlevel, None, "6-18-02", lv, sum(vals[k] for k in keys), sum(pays[k] for k in keys))
        cells = pl.DataFrame(rows)
        bare = dc.protect(cells, secondary=False)
        assert (bare["status"] != "published").sum() > 10
        protected = dc.protect(cells)
        assert dc.attack(protected) == []


def test_single_equation_ranges_match_the_linear_programs() -> None:
    from scipy.optimize import linprog

    rng = np.random.default_rng(3)
    for _ in range(60):
        k = int(rng.integers(1, 6))
        a = rng.choice([-1.0, 1.0], size=k)
        y = rng.uniform(0, 100, size=k) * (rng.random(k) > 0.2)
        b = float(a @ y)
        lo, hi = dc.single_equation_ranges(a, b)
        for j in range(k):
            c = np.zeros(k)
            c[j] = 1.0
            res_lo = linprog(c, A_eq=a[None, :], b_eq=[b], bounds=(0, None), method="highs")
            res_hi = linprog(-c, A_eq=a[None, :], b_eq=[b], bounds=(0, None), method="highs")
            assert lo[j] == pytest.approx(res_lo.x[j], abs=1e-6)
            if res_hi.status == 3:
                assert hi[j] == np.inf
            else:
                assert hi[j] == pytest.approx(res_hi.x[j], abs=1e-6)


@pytest.mark.parametrize("seed", [21, 22])
def test_the_closed_form_audit_agrees_with_the_linear_programs_on_random_patterns(seed: int) -> None:
    survey = ws.generate(enterprises=150, employees=6_000, seed=seed)
    e = est.estimate_edition(survey.employees, survey.sample, survey.frame, region_code="320500", replicates=0)
    # Without the all-industry margins, each industry table by region is a single relation per cell.
    cells = e.cells.filter((pl.col("cell_kind") != "industry_level_group") | pl.col("industry_section").is_not_null())
    blocks = dc._blocks(cells)
    rng = np.random.default_rng(seed)
    single = 0
    for density in (0.05, 0.15, 0.4):
        status = np.where(rng.random(cells.height) < density, "suppressed_primary", "published").astype(object)
        unknowns = dc._unknowns(blocks, status)
        single += sum(c.A.shape[0] == 1 for c in dc._components(blocks, unknowns))
        fast = dc._audit(blocks, unknowns, 10.0)
        exact = dc._audit(blocks, unknowns, 10.0, closed_forms=False)

        def key(f: tuple[int, int, int, float, float]) -> tuple[int, int, int, bool]:
            return (f[0], f[1], f[2], bool(np.isnan(f[3])))

        assert sorted(map(key, fast)) == sorted(map(key, exact))
        bounds = {key(f): f[3:] for f in exact}
        for f in fast:
            assert np.allclose(f[3:], bounds[key(f)], rtol=1e-6, atol=1e-6, equal_nan=True)
    assert single > 0  # the closed form was used


@pytest.mark.parametrize("seed", [31, 32])
def test_propagated_bounds_contain_every_linear_program_range(seed: int) -> None:
    """Propagation gives outer bounds: never inside the exact range from the solver, on the components of
    random withholding patterns (several relations each)."""
    from scipy.optimize import linprog

    survey = ws.generate(enterprises=150, employees=6_000, seed=seed)
    e = est.estimate_edition(survey.employees, survey.sample, survey.frame, region_code="320500", replicates=0)
    blocks = dc._blocks(e.cells)
    rng = np.random.default_rng(seed)
    status = np.where(rng.random(e.cells.height) < 0.3, "suppressed_primary", "published").astype(object)
    comps = [c for c in dc._components(blocks, dc._unknowns(blocks, status)) if c.A.shape[0] > 1]
    assert comps
    checked = tight = 0
    for c in comps[:6]:
        lo, hi = dc.propagated_ranges(c.A, c.b[0])
        n = c.A.shape[1]
        for j in rng.choice(n, size=min(n, 8), replace=False):
            cv = np.zeros(n)
            cv[j] = 1.0
            res_lo = linprog(cv, A_eq=c.A, b_eq=c.b[0], bounds=(0, None), method="highs")
            res_hi = linprog(-cv, A_eq=c.A, b_eq=c.b[0], bounds=(0, None), method="highs")
            assert lo[j] <= res_lo.x[j] + 1e-7
            if res_hi.status == 3:
                assert hi[j] == np.inf
            else:
                assert hi[j] >= res_hi.x[j] - 1e-7
                tight += bool(hi[j] < np.inf)
            checked += 1
    assert checked > 10 and tight > 0  # some finite bounds were found and checked


def test_protection_in_two_processes_equals_one_process() -> None:
    """The tables are protected side by side in forked processes: the same statuses, reasons and details as
    in one process, on an edition whose several tables need complements."""
    survey = ws.generate(enterprises=300, employees=12_000, seed=41)
    e = est.estimate_edition(
        survey.employees, survey.sample, survey.frame, region_code="320000", replicates=20, seed=41
    )
    blocks = dc._blocks(e.cells)
    reasons, _ = dc.primary(e.cells, dc.Rules())
    status = np.array(["published" if r is None else "suppressed_primary" for r in reasons], dtype=object)
    withheld = [
        u for b, u in zip(blocks, dc._unknowns(blocks, status), strict=True) if (np.array(b.rows)[u] >= 0).any()
    ]
    assert len(withheld) >= 4  # several tables to share between the processes
    stages: list[tuple[str, float]] = []
    one = dc.protect(e.cells, workers=1)
    two = dc.protect(e.cells, workers=2, progress=lambda stage, share: stages.append((stage, share)))
    assert (one["status"] == "suppressed_secondary").sum() > 0
    assert one.equals(two)
    assert dc.attack(two) == []
    bare = dc.protect(e.cells, secondary=False)
    found = dc.attack(bare, workers=1)
    assert len({f.row for f in found}) >= 10
    assert repr(dc.attack(bare, workers=2)) == repr(found)  # the same findings in the same order (NaN sides)
    audit = [share for stage, share in stages if stage == "audit"]
    assert len(audit) == len(withheld) and audit[-1] == 1.0


@pytest.mark.parametrize("seed", [51, 52])
def test_warm_started_programs_give_the_linear_programs_optima(seed: int) -> None:
    """One HiGHS model per component, each program changing only the costs and the caps: every optimum
    equals the one ``linprog`` finds from scratch, program after program, and so do the unbounded ones."""
    from scipy.optimize import linprog

    survey = ws.generate(enterprises=150, employees=6_000, seed=seed)
    e = est.estimate_edition(survey.employees, survey.sample, survey.frame, region_code="320500", replicates=0)
    blocks = dc._blocks(e.cells)
    rng = np.random.default_rng(seed)
    status = np.where(rng.random(e.cells.height) < 0.3, "suppressed_primary", "published").astype(object)
    comps = [c for c in dc._components(blocks, dc._unknowns(blocks, status)) if c.A.shape[0] > 1]
    assert comps
    solved = 0
    for c in comps[:5]:
        programs = dc._Programs(c.A, c.b[1])
        n = c.A.shape[1]
        x0 = blocks[c.block].values[c.variables, 1] / c.scale[1]
        for _ in range(12):
            cvec = np.zeros(n)
            picked = rng.choice(n, size=int(rng.integers(1, min(n, 6) + 1)), replace=False)
            cvec[picked] = rng.choice([-1.0, 1.0])
            ub = np.where(rng.random(n) < 0.5, x0 * 1.1, np.inf) if cvec.min() < 0 else None
            x = programs.solve(cvec, ub)
            bounds = np.column_stack([np.zeros(n), np.full(n, np.inf) if ub is None else ub])
            ref = linprog(cvec, A_eq=c.A, b_eq=c.b[1], bounds=bounds, method="highs")
            if ref.status == 3:
                assert x is None
                continue
            assert x is not None and ref.status == 0
            assert float(cvec @ x) == pytest.approx(ref.fun, abs=1e-6)
            assert np.abs(c.A @ x - c.b[1]).max() < 1e-6 and x.min() > -1e-7  # a feasible point
            solved += 1
    assert solved > 10
    # A parent and its child both withheld, nothing above them: either can rise without end.
    from scipy.sparse import csr_matrix

    programs = dc._Programs(csr_matrix(np.array([[-1.0, 1.0, 1.0]])), np.array([-0.5]))
    assert programs.solve(np.array([0.0, 1.0, 0.0])) is not None  # the least child: 0
    assert programs.solve(np.array([-1.0, 0.0, 0.0])) is None  # the greatest parent: unbounded
    assert float(programs.solve(np.array([1.0, 0.0, 0.0]))[0]) == pytest.approx(0.5)  # type: ignore[index]


def test_the_number_of_workers_follows_the_setting(settings) -> None:  # type: ignore[no-untyped-def]
    import os

    settings.WAGES_WORKERS = 1
    assert dc.default_workers() == 1
    del settings.WAGES_WORKERS
    assert dc.default_workers() == (os.cpu_count() or 1)


@pytest.mark.parametrize("seed", [53, 54])
def test_programs_kept_as_more_cells_are_withheld_give_the_linear_programs_optima(seed: int) -> None:
    """A component's programs kept from one audit to the next: the withheld cells grow (components grow and
    merge), the model adopts the larger component (new columns, new rows, new right-hand sides) and keeps
    its basis; every optimum equals the one ``linprog`` finds from scratch on the larger component."""
    from scipy.optimize import linprog

    survey = ws.generate(enterprises=150, employees=6_000, seed=seed)
    e = est.estimate_edition(survey.employees, survey.sample, survey.frame, region_code="320500", replicates=0)
    blocks = dc._blocks(e.cells)
    rng = np.random.default_rng(seed)
    draw = rng.random(e.cells.height)
    models: dc.Models = {}
    adopted = solved = 0
    for density in (0.15, 0.25, 0.35):
        status = np.where(draw < density, "suppressed_primary", "published").astype(object)
        comps = [c for c in dc._components(blocks, dc._unknowns(blocks, status)) if c.A.shape[0] > 1]
        for c in comps[:8]:
            kept = models.get((c.block, 0))
            adopted += kept is not None and bool((kept.owner[c.variables] >= 0).any())
            programs = dc._kept_programs(models, blocks, c, 0)
            n = c.A.shape[1]
            for _ in range(4):
                cvec = np.zeros(n)
                cvec[rng.choice(n, size=int(rng.integers(1, min(n, 4) + 1)), replace=False)] = rng.choice([-1.0, 1.0])
                x = programs.solve(cvec)
                ref = linprog(cvec, A_eq=c.A, b_eq=c.b[0], bounds=(0, None), method="highs")
                if ref.status == 3:
                    assert x is None
                    continue
                assert x is not None and ref.status == 0
                assert float(cvec @ x) == pytest.approx(ref.fun, abs=1e-6)
                assert np.abs(c.A @ x - c.b[0]).max() < 1e-6 and x.min() > -1e-7  # feasible in the larger tables
                solved += 1
    assert adopted > 3 and solved > 20


def test_a_relation_that_cannot_let_a_narrowed_cell_move_gets_the_complement_it_lacks() -> None:
    """A relation through a narrowed cell that cannot on its own let it move gets its complement: the cell
    alone with a small withheld sibling under a published total gains a sibling large enough."""

    # One relation: total 100 (published) = a 60 (withheld) + b 2 (withheld) + c 33 + d 5 (published).
    values = np.array([[100.0, 1000.0], [60.0, 600.0], [2.0, 20.0], [33.0, 330.0], [5.0, 50.0]])
    block = dc._Block(rows=[0, 1, 2, 3, 4], values=values, depth=[0, 1, 1, 1, 1], relations=[(0, [1, 2, 3, 4])])
    supp = np.array([False, True, True, False, False])
    need = values[1] * 0.10
    # Rising by 6 needs a withheld part of at least 6 that can fall (b holds 2; d, 5, would not do): c, the
    # cheapest of c and the total.
    assert dc._local_fixes(block, supp, 1, {1}, need) == [3]
    # Falling needs another withheld part rising: b can, nothing is lacking.
    assert dc._local_fixes(block, supp, 1, {-1}, need) == []
    added = dc._protect_block(block, supp.copy(), 10.0)
    after = supp.copy()
    after[added] = True
    cells_status = np.where(after, "suppressed_primary", "published").astype(object)
    assert dc._audit([block], dc._unknowns([block], cells_status), 10.0) == []
