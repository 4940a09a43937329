"""Calibration of synthetic Jiangsu cities.

Suzhou's figures are the reported ones (SZ-report): 2.634 million skilled workers, 38% high-skilled,
skilled workers over 35% of the employed, 1,845 self-evaluating enterprises issuing 350,000
certificates, 248 project-training institutions, 42 特级技师. The other cities are plausible orders of
magnitude summing to roughly the province's 14–15 million skilled workers; they are not official data.
Figures are as of the end of ``REFERENCE_YEAR``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

REFERENCE_YEAR = 2025


@dataclass(frozen=True)
class CityProfile:
    code: str
    skilled: int  # skilled workers (persons holding a valid certificate) at scale 1
    high_share: float  # high-skilled / skilled
    skilled_per_employed: float  # skilled / employed persons
    self_eval_certificates: int = 0  # certificates issued by self-evaluating enterprises
    self_eval_enterprises: int = 0
    special_grade: int = 0  # 特级技师
    district_weights: dict[str, float] = field(default_factory=dict)  # empty: spread over current districts


CITIES: dict[str, CityProfile] = {
    p.code: p
    for p in [
        CityProfile("320100", 1_900_000, 0.36, 0.33),
        CityProfile("320200", 1_650_000, 0.37, 0.35),
        CityProfile("320300", 1_150_000, 0.30, 0.27),
        CityProfile(
            "320400",
            1_200_000,
            0.34,
            0.33,
            district_weights={
                "320402": 0.14,
                "320404": 0.13,
                "320411": 0.22,
                "320412": 0.30,
                "320413": 0.10,
                "320481": 0.11,
            },
        ),
        CityProfile(
            "320500",
            2_634_000,
            0.38,
            0.365,
            self_eval_certificates=350_000,
            self_eval_enterprises=1_845,
            special_grade=42,
            district_weights={
                "320505": 0.10,
                "320506": 0.12,
                "320507": 0.07,
                "320508": 0.06,
                "320509": 0.12,
                "320581": 0.12,
                "320582": 0.12,
                "320583": 0.22,
                "320585": 0.07,
            },
        ),
        CityProfile("320600", 1_300_000, 0.33, 0.30),
        CityProfile("320700", 520_000, 0.29, 0.25),
        CityProfile("320800", 580_000, 0.29, 0.26),
        CityProfile("320900", 780_000, 0.30, 0.27),
        CityProfile("321000", 640_000, 0.32, 0.29),
        CityProfile("321100", 480_000, 0.33, 0.31),
        CityProfile("321200", 620_000, 0.31, 0.28),
        CityProfile("321300", 450_000, 0.28, 0.24),
    ]
}

# Shares of the non-high-skilled (初级工, 中级工) and of the high-skilled (高级工, 技师, 高级技师).
LOWER_SPLIT = {"level5": 0.43, "level4": 0.57}
HIGH_SPLIT = {"level3": 0.70, "level2": 0.23, "level1": 0.07}

# Industries of enterprises (GB/T 4754 sections) — Jiangsu is manufacturing-heavy.
ENTERPRISE_SECTIONS = {
    "C": 0.55,
    "F": 0.08,
    "I": 0.07,
    "E": 0.06,
    "G": 0.05,
    "H": 0.05,
    "L": 0.04,
    "M": 0.04,
    "O": 0.03,
    "Q": 0.03,
}

# Where workers were born: the same district, elsewhere in Jiangsu, or these provinces.
BIRTH_ORIGIN = {"local": 0.50, "jiangsu": 0.15, "other": 0.35}
OTHER_PROVINCES = ["34", "41", "51", "42", "36", "37", "50", "52"]
