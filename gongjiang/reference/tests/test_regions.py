"""GB/T 2260 regions: the time-versioned national table and the loaded Region model."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from gongjiang.reference import regions
from gongjiang.reference.models import Region
from gongjiang.reference.regions import (
    RegionVersion,
    level_of,
    national_table,
    parent_code,
    province_codes,
    resolve,
    scope_prefix,
    versions_by_code,
)

JIANGSU_CITIES = {
    "320100": "南京市",
    "320200": "无锡市",
    "320300": "徐州市",
    "320400": "常州市",
    "320500": "苏州市",
    "320600": "南通市",
    "320700": "连云港市",
    "320800": "淮安市",
    "320900": "盐城市",
    "321000": "扬州市",
    "321100": "镇江市",
    "321200": "泰州市",
    "321300": "宿迁市",
}
SUZHOU_DISTRICTS = {
    "320505": "虎丘区",
    "320506": "吴中区",
    "320507": "相城区",
    "320508": "姑苏区",
    "320509": "吴江区",
    "320581": "常熟市",
    "320582": "张家港市",
    "320583": "昆山市",
    "320585": "太仓市",
}
CHANGZHOU_DISTRICTS = {
    "320402": "天宁区",
    "320404": "钟楼区",
    "320411": "新北区",
    "320412": "武进区",
    "320413": "金坛区",
    "320481": "溧阳市",
}


def _name(code: str, when: datetime.date | int | None = None) -> str | None:
    v = resolve(code, when)
    return v.name if v else None


# ---------------------------------------------------------------------------------------------
# The national table (no database)
# ---------------------------------------------------------------------------------------------


def test_haimen_city_became_district_in_2020() -> None:
    assert _name("320684", 2019) == "海门市"
    assert _name("320684", 2021) is None
    assert _name("320614", 2021) == "海门区"
    assert _name("320614", 2019) is None
    # Years are inclusive at both ends: in 2020 both codes were valid.
    assert _name("320684", 2020) == "海门市"
    assert _name("320614", 2020) == "海门区"
    assert _name("320684", 1994) == "海门市"
    assert _name("320684", 1993) is None


def test_resolve_accepts_dates() -> None:
    assert _name("320684", datetime.date(2019, 12, 31)) == "海门市"
    assert _name("320684", datetime.date(2021, 1, 1)) is None
    assert _name("320614", datetime.date(2021, 1, 1)) == "海门区"


def test_resolve_without_date_is_current() -> None:
    assert _name("320614") == "海门区"
    assert _name("320684") is None
    assert _name("320521") is None  # 沙洲县, 1983–1986
    assert _name("320521", 1985) == "沙洲县"
    assert _name("320521", 1987) is None


def test_code_renamed_in_place_has_one_version_per_name() -> None:
    # 320211: 郊区 1983–1999, then 滨湖区; 320800: 淮阴市 until 1999, then 淮安市.
    assert [v.name for v in versions_by_code()["320211"]] == ["郊区", "滨湖区"]
    assert _name("320211", 1999) == "郊区"
    assert _name("320211", 2000) == "滨湖区"
    assert _name("320211") == "滨湖区"
    assert _name("320800", 1999) == "淮阴市"
    assert _name("320800", 2000) == "淮安市"
    assert _name("320800") == "淮安市"


def test_codes_without_years_are_valid_always() -> None:
    v = resolve("320500", 1950)
    assert v == RegionVersion(code="320500", name="苏州市", valid_from=None, valid_to=None)
    assert resolve("320500", 2100) == v
    assert resolve("320500") == v


def test_unknown_code_resolves_to_none() -> None:
    assert resolve("999999") is None
    assert resolve("320576") is None
    assert resolve("320576", 2020) is None


def test_region_version_valid_in_boundaries() -> None:
    v = RegionVersion("320684", "海门市", 1994, 2020)
    assert not v.valid_in(1993)
    assert v.valid_in(1994) and v.valid_in(2020)
    assert not v.valid_in(2021)
    assert RegionVersion("320614", "海门区", 2020, None).valid_in(3000)
    assert RegionVersion("320103", "白下区", None, 2013).valid_in(1900)


@pytest.mark.parametrize(
    "code, parent",
    [
        ("320582", "320500"),
        ("320684", "320600"),
        ("320614", "320600"),
        ("320576", "320500"),  # a county unknown to the table still has its city
        ("320500", "320000"),
        ("321300", "320000"),
        ("110101", "110100"),
        ("429004", "420000"),  # 仙桃市: the province runs it; 429000 省直辖县级行政单位 is a grouping
        ("320000", None),
        ("990101", None),
    ],
)
def test_parent_code(code: str, parent: str | None) -> None:
    assert parent_code(code) == parent


def test_parent_code_respects_the_year() -> None:
    # 宿迁市 (321300) exists from 1996; before then its districts fall back to the province.
    assert parent_code("321302", 2000) == "321300"
    assert parent_code("321302", 1990) == "320000"
    assert parent_code("321302") == "321300"


@pytest.mark.parametrize(
    "code, level, prefix",
    [
        ("320000", "province", "32"),
        ("320500", "city", "3205"),
        ("320582", "county", "320582"),
        ("320400", "city", "3204"),
        ("110000", "province", "11"),
        ("429004", "county", "429004"),
    ],
)
def test_level_of_and_scope_prefix(code: str, level: str, prefix: str) -> None:
    assert level_of(code) == level
    assert scope_prefix(code) == prefix
    assert code.startswith(scope_prefix(code))


def test_scope_prefix_covers_exactly_the_subtree() -> None:
    table = versions_by_code()
    suzhou = {c for c in table if c.startswith(scope_prefix("320500"))}
    assert set(SUZHOU_DISTRICTS) <= suzhou
    assert "320400" not in suzhou and "320402" not in suzhou
    jiangsu = {c for c in table if c.startswith(scope_prefix("320000"))}
    assert set(JIANGSU_CITIES) <= jiangsu
    assert not any(c.startswith("33") for c in jiangsu)


def test_national_table_has_all_34_provinces() -> None:
    provinces = province_codes()
    assert len(provinces) == 34
    assert {"110000", "320000", "650000", "710000", "810000", "820000"} <= provinces
    assert all(level_of(c) == "province" for c in provinces)
    assert _name("320000") == "江苏省"
    assert _name("810000", 1990) is None  # Hong Kong from 1997
    assert _name("810000", 1997) == "香港特别行政区"


def test_jiangsu_has_13_cities_now() -> None:
    current_cities = {
        c: resolve(c).name  # type: ignore[union-attr]
        for c in versions_by_code()
        if c.startswith("32") and level_of(c) == "city" and resolve(c) is not None
    }
    assert current_cities == JIANGSU_CITIES


def test_suzhou_and_changzhou_districts_current() -> None:
    for code, name in {**SUZHOU_DISTRICTS, **CHANGZHOU_DISTRICTS}.items():
        assert _name(code) == name, code
        assert parent_code(code) == code[:4] + "00"


def test_national_table_well_formed() -> None:
    table = national_table()
    assert len(table) > 5000
    assert len({(v.code, v.name, v.valid_from) for v in table}) == len(table)
    for v in table:
        assert len(v.code) == 6 and v.code.isdigit(), v
        assert v.name and "[" not in v.name and "]" not in v.name, v
        # (Spans come verbatim from python-stdnum, which has a few inverted ones such as 210311 [1983-1982].)
    assert regions.versions_by_code()["320684"] == (RegionVersion("320684", "海门市", 1994, 2020),)


def test_at_most_one_current_version_per_code() -> None:
    for code, versions in versions_by_code().items():
        assert sum(v.valid_to is None for v in versions) <= 1, code


# ---------------------------------------------------------------------------------------------
# The loaded Region table
# ---------------------------------------------------------------------------------------------


def test_region_table_mirrors_the_national_table(reference: None) -> None:
    assert Region.objects.count() == len(national_table())
    rows = set(Region.objects.values_list("code", "name", "valid_from", "valid_to"))
    assert rows == {(v.code, v.name, v.valid_from, v.valid_to) for v in national_table()}


@pytest.mark.parametrize(
    "code, year, name",
    [
        ("320684", 2019, "海门市"),
        ("320684", 2021, None),
        ("320614", 2021, "海门区"),
        ("320614", 2019, None),
        ("320684", 2020, "海门市"),
        ("320614", 2020, "海门区"),
        ("320800", 1999, "淮阴市"),
        ("320800", 2000, "淮安市"),
        ("320521", 1985, "沙洲县"),
        ("320521", 1990, None),
    ],
)
def test_region_as_of_matches_resolve(reference: None, code: str, year: int, name: str | None) -> None:
    assert _name(code, year) == name
    for when in (year, datetime.date(year, 7, 1)):
        names = list(Region.objects.as_of(when).filter(code=code).values_list("name", flat=True))
        assert names == ([name] if name else [])


@pytest.mark.parametrize("year", [1985, 1999, 2000, 2013, 2019, 2020, 2021, datetime.date.today().year])
def test_region_as_of_whole_province_matches_table(reference: None, year: int) -> None:
    db = set(Region.objects.as_of(year).filter(code__startswith="32").values_list("code", "name"))
    table = {(v.code, v.name) for v in national_table() if v.code.startswith("32") and v.valid_in(year)}
    assert db == table
    assert len({code for code, _ in db}) == len(db)  # one name per code in any year


def test_region_current_matches_resolve(reference: None) -> None:
    current = dict(Region.objects.current().filter(code__startswith="32").values_list("code", "name"))
    expected = {v.code: v.name for v in national_table() if v.code.startswith("32") and v.valid_to is None}
    assert current == expected
    assert "320684" not in current and current["320614"] == "海门区"


def test_region_rows_carry_level_and_parent(reference: None) -> None:
    row = Region.objects.get(code="320582")
    assert (row.level, row.parent_code, row.name) == ("county", "320500", "张家港市")
    assert Region.objects.get(code="320500").parent_code == "320000"
    jiangsu = Region.objects.get(code="320000")
    assert (jiangsu.level, jiangsu.parent_code) == ("province", "")
    for r in Region.objects.filter(code__startswith="32"):
        assert r.level == level_of(r.code)
        assert r.parent_code == (parent_code(r.code) or "")


def test_jiangsu_13_cities_in_table(reference: None) -> None:
    cities = dict(Region.objects.current().filter(level="city", parent_code="320000").values_list("code", "name"))
    assert cities == JIANGSU_CITIES
    districts = dict(Region.objects.current().filter(parent_code="320500").values_list("code", "name"))
    assert SUZHOU_DISTRICTS.items() <= districts.items()
    districts = dict(Region.objects.current().filter(parent_code="320400").values_list("code", "name"))
    assert CHANGZHOU_DISTRICTS.items() <= districts.items()


def test_region_str(reference: None) -> None:
    assert str(Region.objects.get(code="320684")) == "320684 海门市 [1994–2020]"
    assert str(Region.objects.get(code="320500")) == "320500 苏州市"


def test_ancestors_follow_the_table_not_the_code_shape() -> None:
    from gongjiang.reference.regions import ancestors, city_of, common_ancestor, is_code, lineage, nearest_known

    assert ancestors("320582") == ("320500", "320000")
    assert ancestors("320500") == ("320000",)
    assert ancestors("320000") == ()
    assert lineage("320582") == ("320582", "320500", "320000")
    # 仙桃市 (429004) is run by 湖北省 directly: 429000 is the table's grouping 省直辖县级行政单位, not a city.
    assert ancestors("429004") == ("420000",)
    assert city_of("429004") is None
    assert city_of("320582") == "320500"
    assert city_of("320500") == "320500"
    assert city_of("320000") is None
    assert common_ancestor(["320582", "320505"]) == "320500"
    assert common_ancestor(["320582", "320412"]) == "320000"
    assert common_ancestor(["320582"]) == "320582"
    assert common_ancestor(["429004", "420100"]) == "420000"
    # A development zone missing from the table falls back to its city.
    assert nearest_known("320576") == "320500"
    assert nearest_known("990101") is None
    assert is_code("320582") and not is_code("320576") and not is_code("３２０５８２") and not is_code(320582)


def test_code_shape_takes_ascii_digits_only() -> None:
    from gongjiang.reference.regions import is_code_shape
    from gongjiang.reference.selectors import validate_region_code

    assert is_code_shape("320582") and is_code_shape("999999")
    assert not is_code_shape("３２０５８２") and not is_code_shape("32058") and not is_code_shape("٣٢٠٥٨٢")
    with pytest.raises(ValidationError, match="6位数字"):
        validate_region_code("３２０５８２")
