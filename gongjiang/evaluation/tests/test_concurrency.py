"""Two batches issued at the same moment by two officers: every number unique and in the national format."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection

from gongjiang.credentials.models import Certificate
from gongjiang.evaluation.services import plans
from gongjiang.evaluation.tests.conftest import publicised_plan

JIANGSU = re.compile(r"^[YS]\d{4}32\d{6}\d{2}[1-5]\d{6}$")


@pytest.mark.django_db(transaction=True)
def test_two_batches_at_once_never_share_a_number(filed, make_person) -> None:  # type: ignore[no-untyped-def]
    first = publicised_plan(filed)
    filed.people = [make_person(name=n) for n in ("赵一", "赵二", "赵三", "赵四", "赵五")]
    second = publicised_plan(filed)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def issue(plan) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            plans.plan_issue(actor=filed.officer, plan=plan, review_note="抽查无误")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(p,)) for p in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    numbers = list(Certificate.objects.filter(issuer=filed.organisation).values_list("number", flat=True))
    assert len(numbers) == 8 and len(set(numbers)) == 8
    assert all(JIANGSU.match(n) for n in numbers)
    serials = sorted(int(n[16:]) for n in numbers)
    assert serials == list(range(1, 9))  # one prefix, consecutive serials
