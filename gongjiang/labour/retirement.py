"""Statutory retirement: the month a person reaches retirement age, on whole arrays.

Rule (全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定, 2024-09-13, and its 实施渐进式延迟法定
退休年龄办法 第二条): from 1 January 2025 the retirement age rises gradually over fifteen years —

* men: from 60 by one month every four months, to 63;
* women in worker posts (女职工 原法定退休年龄50周岁): from 50 by one month every two months, to 55;
* women in cadre posts (原55周岁): from 55 by one month every four months, to 58.

A person whose original retirement month falls before January 2025 retires at the original age. The
first month of the raise (January 2025) already carries one month: a man born in January–April 1965
retires at 60 years and 1 month; a man born in September 1976 or later at 63; a woman worker born in
November 1984 or later at 55.

The registry records sex and birth date but not whether a woman holds a worker or a cadre post. Skilled
workers (技能人才) hold worker posts, so women are counted under the worker rule (50 → 55); this is the
platform's stated assumption, not a fact of the record.
"""

from __future__ import annotations

import numpy as np

RAISE_FROM = 2025 * 12  # January 2025, as months since year 0
# sex: (original age in years, months of original retirement per month of raise, cap in months)
RULES = {"M": (60, 4, 36), "F": (50, 2, 60)}


def retirement_month(birth_year: np.ndarray, birth_month: np.ndarray, sex: np.ndarray) -> np.ndarray:
    """The month (as year × 12 + month − 1) each person reaches statutory retirement age."""
    birth = birth_year.astype(np.int64) * 12 + (birth_month.astype(np.int64) - 1)
    out = np.empty_like(birth)
    for code, (age, step, cap) in RULES.items():
        mask = sex == code
        original = birth[mask] + age * 12
        after = original - RAISE_FROM
        delay = np.where(after >= 0, np.minimum(after // step + 1, cap), 0)
        out[mask] = original + delay
    return out


def retirement_year(birth_year: np.ndarray, birth_month: np.ndarray, sex: np.ndarray) -> np.ndarray:
    """The calendar year each person reaches statutory retirement age."""
    return retirement_month(birth_year, birth_month, sex) // 12
