"""OpenFisca-core on the rules it can express: the training-certificate subsidy of the Suzhou set.

Runs inside a throwaway virtual environment with openfisca-core (not the project's), so it imports
nothing from the project. ``bench/policy.py`` writes the rule values and the events to a directory;
this script builds a tax-benefit system with the same dated parameters (standard by level and tier,
city adjustment, digital-shortage uplift), computes the subsidy for every event as one vector, and
writes the amounts in fen for the comparison.

Usage: python bench/policy_openfisca.py DIR  (reads DIR/rules.json, DIR/events.npz; writes DIR/openfisca.json)
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import yaml
from openfisca_core.entities import build_entity
from openfisca_core.periods import DateUnit
from openfisca_core.simulations import SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

LEVELS = ["level5", "level4", "level3", "level2", "level1"]
TIERS = ["A", "B", "C"]

Event = build_entity(key="event", plural="events", label="A subsidy event", is_person=True)


class level_index(Variable):
    value_type = int
    entity = Event
    definition_period = DateUnit.YEAR
    label = "level: 0 初级工 … 4 高级技师"


class tier_index(Variable):
    value_type = int
    entity = Event
    definition_period = DateUnit.YEAR
    label = "tier: 0 A, 1 B, 2 C"


class shortage(Variable):
    value_type = bool
    entity = Event
    definition_period = DateUnit.YEAR
    label = "shortage occupation"


class digital(Variable):
    value_type = bool
    entity = Event
    definition_period = DateUnit.YEAR
    label = "digital occupation"


class training_subsidy(Variable):
    value_type = float
    entity = Event
    definition_period = DateUnit.YEAR
    label = "training subsidy, yuan"

    def formula(event, period, parameters):  # type: ignore[no-untyped-def]
        p = parameters(period).training
        level = np.array(LEVELS)[event("level_index", period)]
        tier = np.array(TIERS)[event("tier_index", period)]
        base = p.standard[level][tier]
        adjusted = base * (1 + p.city_adjustment)
        uplift = np.where(event("shortage", period) * event("digital", period), p.digital_shortage_uplift, 0)
        return adjusted * (1 + uplift)


def main() -> None:
    work = Path(sys.argv[1])
    rules = json.loads((work / "rules.json").read_text())
    data = np.load(work / "events.npz")
    year = str(rules["year"])
    params = {
        "training": {
            "standard": {
                level: {tier: {"values": {rules["standard_from"]: rules["standard"][level][tier]}} for tier in TIERS}
                for level in LEVELS
            },
            "city_adjustment": {"values": {rules["adjustment_from"]: rules["adjustment"]}},
            "digital_shortage_uplift": {"values": {rules["uplift_from"]: rules["uplift"]}},
        }
    }
    pdir = work / "parameters"
    pdir.mkdir(exist_ok=True)
    (pdir / "training.yaml").write_text(yaml.safe_dump(params["training"], allow_unicode=True))
    t0 = time.perf_counter()
    tbs = TaxBenefitSystem([Event])
    tbs.add_variables(level_index, tier_index, shortage, digital, training_subsidy)
    tbs.load_parameters(str(pdir))
    n = int(data["level"].shape[0])
    sim = SimulationBuilder().build_default_simulation(tbs, count=n)
    sim.set_input("level_index", year, data["level"])
    sim.set_input("tier_index", year, data["tier"])
    sim.set_input("shortage", year, data["shortage"])
    sim.set_input("digital", year, data["digital"])
    t1 = time.perf_counter()
    yuan = sim.calculate("training_subsidy", year)
    t2 = time.perf_counter()
    fen = np.rint(np.asarray(yuan, dtype=np.float64) * 100).astype(np.int64)
    np.save(work / "openfisca_fen.npy", fen)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    (work / "openfisca.json").write_text(
        json.dumps({"events": n, "setup_seconds": t1 - t0, "seconds": t2 - t1, "peak_rss_mib": peak_kib / 1024})
    )


if __name__ == "__main__":
    main()
