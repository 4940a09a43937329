"""A change record's page names a linked record by its name and number where it still exists, not by a
bare number."""

from __future__ import annotations

import datetime

from django.utils import translation

from gongjiang.core.audit import audit_context
from gongjiang.core.history import value_label
from gongjiang.core.models import ChangeRecord
from gongjiang.registry.models import Employment, Organisation
from gongjiang.registry.services import employment_create


def test_the_change_page_names_the_linked_organisation(client, make_user, make_org, make_person) -> None:  # type: ignore[no-untyped-def]
    org = make_org(region="320582", name="张家港华东机械有限公司")
    person = make_person(region="320582")
    with audit_context(source="cli"):
        job = employment_create(actor=None, person=person, organisation=org, start=datetime.date(2020, 1, 1))
    record = ChangeRecord.objects.filter(model="registry.Employment", object_id=str(job.pk)).latest("pk")
    client.force_login(make_user("linked_officer", role="officer", region_code="320582"))
    with translation.override("zh-hans"):
        page = client.get(f"/audit/{record.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"<td>张家港华东机械有限公司 ({org.pk})</td>" in page


def test_a_link_to_a_record_that_is_gone_stays_a_number(db) -> None:  # type: ignore[no-untyped-def]
    missing = (Organisation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    assert value_label(Employment, "organisation", missing) == missing
