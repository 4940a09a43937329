"""An employment is entered (入职日期) and left (离职日期): its import columns keep these words, while the
same English words elsewhere (a class, a competition) read 开始日期 and 结束日期."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext

from gongjiang.registry.import_columns import EMPLOYMENT_COLUMNS


def test_the_employment_columns_are_hire_and_leave_dates() -> None:
    labels = {c.name: c.label for c in EMPLOYMENT_COLUMNS}
    with translation.override("zh-hans"):
        assert (str(labels["start"]), str(labels["end"])) == ("入职日期", "离职日期")
        assert (gettext("Start date"), gettext("End date")) == ("开始日期", "结束日期")
    with translation.override("en"):
        assert (str(labels["start"]), str(labels["end"])) == ("Start date", "End date")
