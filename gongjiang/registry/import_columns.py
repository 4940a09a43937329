"""The columns of the registry's import kinds, with the Chinese and English headers that name them. The
first header of each is the one a blank template carries."""

from __future__ import annotations

from django.utils.translation import gettext_lazy, pgettext_lazy

from gongjiang.core.tabular import Column

ID_ALIASES = ("身份证号", "公民身份号码", "身份证", "证件号码", "idnumber", "idno", "idcard")  # after 身份证号码
USCC_ALIASES = ("社会信用代码", "信用代码", "uscc", "creditcode")  # after 统一社会信用代码

PERSON_COLUMNS = (
    Column("name", "姓名", pgettext_lazy("person", "Name"), ("name", "名字"), required=True),
    Column("id_number", "身份证号码", gettext_lazy("ID number"), ID_ALIASES, required=True, pii="id"),
    Column(
        "residence_region_code",
        "居住地区划代码",
        gettext_lazy("Residence region code"),
        (
            "居住地代码",
            "居住地",
            "常住地区划代码",
            "常住地",
            "区划代码",
            "residenceregioncode",
            "residence",
            "regioncode",
            "region",
        ),
        required=True,
    ),
    Column(
        "household_region_code",
        "户籍地区划代码",
        gettext_lazy("Household region code"),
        ("户籍地代码", "户籍地", "户籍所在地", "householdregioncode", "household"),
    ),
    Column("phone", "手机号码", gettext_lazy("Phone"), ("手机号", "联系电话", "电话", "phone", "mobile"), pii="phone"),
)

ORGANISATION_COLUMNS = (
    Column("uscc", "统一社会信用代码", gettext_lazy("Unified social credit code"), USCC_ALIASES, required=True),
    Column("name", "单位名称", gettext_lazy("Name"), ("名称", "机构名称", "企业名称", "name"), required=True),
    Column("kind", "单位类型", gettext_lazy("Kind"), ("机构类型", "类型", "kind", "type"), required=True),
    Column(
        "region_code",
        "所在地区划代码",
        gettext_lazy("Region code"),
        ("区划代码", "所在地", "regioncode", "region"),
        required=True,
    ),
    Column(
        "industry_code", "行业代码", gettext_lazy("Industry code"), ("所属行业", "行业", "industrycode", "industry")
    ),
    Column(
        "self_evaluation",
        "自主评价",
        gettext_lazy("Self-evaluation"),
        ("是否自主评价", "企业自主评价", "selfevaluation"),
    ),
)

EMPLOYMENT_COLUMNS = (
    Column("id_number", "身份证号码", gettext_lazy("ID number"), ID_ALIASES, required=True, pii="id"),
    Column(
        "uscc",
        "用人单位统一社会信用代码",
        gettext_lazy("Employer's credit code"),
        ("单位统一社会信用代码", "统一社会信用代码", *USCC_ALIASES, "employeruscc", "organisationuscc"),
        required=True,
    ),
    Column(
        "start",
        "入职日期",
        pgettext_lazy("employment", "Start date"),
        ("起始日期", "开始日期", "聘用日期", "start", "startdate", "from"),
        required=True,
    ),
    Column(
        "end", "离职日期", pgettext_lazy("employment", "End date"), ("终止日期", "结束日期", "end", "enddate", "to")
    ),
    Column(
        "occupation_code", "职业编码", gettext_lazy("Occupation code"), ("职业代码", "occupationcode", "occupation")
    ),
)

EMPLOYMENT_STAT_COLUMNS = (
    Column(
        "region_code",
        "区划代码",
        gettext_lazy("Region code"),
        ("地区代码", "行政区划代码", "regioncode", "region"),
        required=True,
    ),
    Column("year", "年度", gettext_lazy("Year"), ("年份", "year"), required=True),
    Column(
        "employed",
        "就业人数",
        gettext_lazy("Employed persons"),
        ("就业人员数", "从业人员数", "从业人员", "employed", "employedpersons"),
        required=True,
    ),
    Column("source", "数据来源", gettext_lazy("Source"), ("来源", "source")),
)
