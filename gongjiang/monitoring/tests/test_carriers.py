"""Carriers: application, recognition, assessment, funding, renewal and withdrawal, each a dated decision
with its clause; the indicators count carriers from that history as of a date."""

from __future__ import annotations

import datetime
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongjiang.monitoring import carriers, selectors, services
from gongjiang.monitoring.measures import Store
from gongjiang.monitoring.models import Carrier, CarrierDecision

D = datetime.date
ZJG, WUJIN = "320582", "320412"
CLAUSE = "苏政办发〔2024〕37号 (八)"


# ---- spans: the pure rule --------------------------------------------------------------------------


def test_recognition_then_withdrawal_counts_up_to_the_day_before() -> None:
    spans = carriers.spans([(D(2024, 3, 1), "recognise", None), (D(2025, 6, 1), "withdraw", None)])
    assert spans == [(D(2024, 3, 1), D(2025, 6, 1))]
    assert not carriers.counts_on(spans, D(2024, 2, 29))
    assert carriers.counts_on(spans, D(2024, 3, 1))
    assert carriers.counts_on(spans, D(2025, 5, 31))
    assert not carriers.counts_on(spans, D(2025, 6, 1))  # withdrawn on D: not counted from D


def test_a_term_lapses_unless_renewed_and_a_late_renewal_leaves_a_gap() -> None:
    term = [(D(2020, 1, 1), "recognise", D(2022, 12, 31))]
    assert carriers.spans(term) == [(D(2020, 1, 1), D(2023, 1, 1))]
    renewed = [*term, (D(2022, 12, 1), "renew", D(2025, 12, 31))]
    assert carriers.spans(renewed) == [(D(2020, 1, 1), D(2026, 1, 1))]
    late = [*term, (D(2023, 3, 1), "renew", D(2026, 2, 28))]
    spans = carriers.spans(late)
    assert spans == [(D(2020, 1, 1), D(2023, 1, 1)), (D(2023, 3, 1), D(2026, 3, 1))]
    assert not carriers.counts_on(spans, D(2023, 2, 1))
    assert carriers.counts_on(spans, D(2024, 1, 1))


def test_applications_assessments_and_funding_do_not_count() -> None:
    assert carriers.spans([(D(2024, 1, 1), "apply", None), (D(2024, 2, 1), "reject", None)]) == []
    history = [(D(2024, 1, 1), "apply", None), (D(2024, 2, 1), "recognise", None), (D(2024, 9, 1), "assess", None)]
    assert carriers.spans([*history, (D(2024, 10, 1), "fund", None)]) == [(D(2024, 2, 1), None)]


# ---- the lifecycle through the services -------------------------------------------------------------


@pytest.fixture
def people(make_user, make_org):  # type: ignore[no-untyped-def]
    org = make_org(region=ZJG, name="张家港精工机械")
    return {
        "org": org,
        "enterprise": make_user("cr_ent", role="organisation", organisation=org),
        "other": make_user("cr_other", role="organisation", organisation=make_org(region=ZJG)),
        "zjg": make_user("cr_zjg", role="officer", region_code=ZJG),
        "cz": make_user("cr_cz", role="officer", region_code="320400"),
    }


APPLIED_ON = D(2024, 1, 10)


def _apply(people, day: datetime.date = APPLIED_ON) -> Carrier:  # type: ignore[no-untyped-def]
    return services.carrier_apply(
        actor=people["enterprise"],
        organisation=people["org"],
        kind="master_studio",
        name="张家港精工数控技能大师工作室",
        description="数控车铣；年带徒20人",
        today=day,
    )


def test_an_enterprise_applies_and_only_the_bureau_of_the_region_decides(people) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        services.carrier_apply(
            actor=people["other"], organisation=people["org"], kind="master_studio", name="冒名工作室"
        )
    carrier = _apply(people)
    assert (carrier.status, carrier.region_code, carrier.since) == ("applied", ZJG, None)
    for actor in (people["enterprise"], people["cz"]):
        with pytest.raises(PermissionDenied):
            services.carrier_recognise(
                actor=actor, carrier=carrier, date=D(2024, 3, 1), level="municipal", clause=CLAUSE
            )
    with pytest.raises(ValidationError) as exc:
        services.carrier_recognise(
            actor=people["zjg"], carrier=carrier, date=D(2024, 3, 1), level="municipal", clause=""
        )
    assert "clause" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # before the application
        services.carrier_recognise(
            actor=people["zjg"], carrier=carrier, date=D(2024, 1, 1), level="municipal", clause=CLAUSE
        )
    assert "date" in exc.value.message_dict
    carrier.refresh_from_db()
    assert carrier.status == "applied" and carrier.decisions.count() == 1


def test_recognised_assessed_funded_renewed_and_withdrawn(people) -> None:  # type: ignore[no-untyped-def]
    zjg = people["zjg"]
    carrier = _apply(people)
    carrier = services.carrier_recognise(
        actor=zjg, carrier=carrier, date=D(2024, 3, 1), level="provincial", valid_until=D(2026, 2, 28), clause=CLAUSE
    )
    assert (carrier.status, carrier.level, carrier.since) == ("recognised", "provincial", D(2024, 3, 1))
    services.carrier_assess(
        actor=zjg,
        carrier=carrier,
        year=2024,
        date=D(2025, 1, 20),
        score=Decimal("88.5"),
        findings="带徒完成",
        clause=CLAUSE,
    )
    with pytest.raises(ValidationError) as exc:  # once a year
        services.carrier_assess(
            actor=zjg, carrier=carrier, year=2024, date=D(2025, 1, 21), score=90, findings="再评", clause=CLAUSE
        )
    assert "year" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.carrier_assess(
            actor=zjg, carrier=carrier, year=2025, date=D(2025, 12, 1), score=101, findings="超分", clause=CLAUSE
        )
    assert "score" in exc.value.message_dict
    services.carrier_fund(actor=zjg, carrier=carrier, date=D(2025, 2, 1), amount=5_000_000, clause=CLAUSE)
    with pytest.raises(ValidationError):
        services.carrier_fund(actor=zjg, carrier=carrier, date=D(2025, 2, 1), amount=0, clause=CLAUSE)
    carrier = services.carrier_renew(
        actor=zjg, carrier=carrier, date=D(2026, 1, 15), valid_until=D(2029, 2, 28), clause=CLAUSE
    )
    assert carrier.valid_until == D(2029, 2, 28)
    with pytest.raises(ValidationError) as exc:  # a withdrawal gives its reason
        services.carrier_withdraw(actor=zjg, carrier=carrier, until=D(2026, 6, 1), reason="", clause=CLAUSE)
    assert "reason" in exc.value.message_dict
    carrier = services.carrier_withdraw(
        actor=zjg, carrier=carrier, until=D(2026, 6, 1), reason="考核不合格", clause=CLAUSE
    )
    assert (carrier.status, carrier.until) == ("withdrawn", D(2026, 6, 1))
    history = list(carrier.decisions.order_by("date", "id").values_list("kind", "date", "clause"))
    assert [k for k, _, _ in history] == ["apply", "recognise", "assess", "fund", "renew", "withdraw"]
    assert all(clause == CLAUSE for kind, _, clause in history if kind != "apply")
    assert CarrierDecision.objects.get(carrier=carrier, kind="fund").amount == 5_000_000
    with pytest.raises(ValidationError):  # nothing follows a withdrawal
        services.carrier_renew(actor=zjg, carrier=carrier, date=D(2026, 7, 1), valid_until=D(2030, 1, 1), clause=CLAUSE)
    assert carriers.spans_by_carrier([carrier.pk])[carrier.pk] == [(D(2024, 3, 1), D(2026, 6, 1))]


def test_a_refused_application_never_counts(people) -> None:  # type: ignore[no-untyped-def]
    carrier = _apply(people)
    with pytest.raises(ValidationError):
        services.carrier_reject(actor=people["zjg"], carrier=carrier, date=D(2024, 2, 1), reason=" ", clause=CLAUSE)
    carrier = services.carrier_reject(
        actor=people["zjg"], carrier=carrier, date=D(2024, 2, 1), reason="场地不足", clause=CLAUSE
    )
    assert carrier.status == "rejected"
    with pytest.raises(ValidationError):
        services.carrier_recognise(
            actor=people["zjg"], carrier=carrier, date=D(2024, 3, 1), level="city", clause=CLAUSE
        )
    assert carriers.spans_by_carrier([carrier.pk]) == {}


# ---- the indicators count from the history -------------------------------------------------------


def test_the_indicators_count_carriers_from_their_history_as_of_a_date(people) -> None:  # type: ignore[no-untyped-def]
    services.targets_load(actor=None)
    zjg = people["zjg"]
    studio = services.carrier_recognise(
        actor=zjg, carrier=_apply(people), date=D(2024, 3, 1), level="municipal", clause=CLAUSE
    )
    services.carrier_create(
        actor=None,
        kind="master_studio",
        name="武进焊接技能大师工作室",
        region_code=WUJIN,
        level="municipal",
        since=D(2023, 1, 1),
    )
    services.carrier_withdraw(actor=zjg, carrier=studio, until=D(2025, 6, 1), reason="考核不合格", clause=CLAUSE)

    def studios(region: str, day: datetime.date) -> float:
        counts = {i.code: n for i, n in selectors.carrier_indicator_counts(region, day)}
        return counts["master_studios"]

    assert studios(ZJG, D(2024, 2, 29)) == 0
    assert studios(ZJG, D(2024, 3, 1)) == 1
    assert studios(ZJG, D(2025, 5, 31)) == 1
    assert studios(ZJG, D(2025, 6, 1)) == 0  # withdrawn on 1 June: not counted from that day
    assert studios("320500", D(2024, 12, 31)) == 1
    assert studios("320000", D(2024, 12, 31)) == 2
    assert studios("320400", D(2025, 12, 31)) == 1
    # The evaluation's store reads the same spans.
    store = Store(as_of=D(2025, 12, 31), periods=[])
    store.carriers = carriers.counted_spans()
    assert store.carrier_count("320000", "master_studio", False, D(2025, 1, 1)) == 2
    assert store.carrier_count("320000", "master_studio", False, D(2025, 7, 1)) == 1
    assert store.carrier_count("320000", "master_studio", True, D(2025, 1, 1)) == 0  # none digital


def test_public_list_shows_recognised_carriers_without_personal_data(client, people) -> None:  # type: ignore[no-untyped-def]
    recognised = services.carrier_recognise(
        actor=people["zjg"], carrier=_apply(people), date=D(2024, 3, 1), level="municipal", clause=CLAUSE
    )
    services.carrier_apply(
        actor=people["enterprise"], organisation=people["org"], kind="master_studio", name="待审工作室"
    )
    page = client.get("/monitoring/carriers/recognised/", {"region": "320500"}).content.decode()
    assert recognised.name in page and "张家港精工机械" in page
    assert "待审工作室" not in page
    assert client.get("/monitoring/carriers/recognised/", {"region": "99"}).status_code == 404
    assert recognised.name not in client.get("/monitoring/carriers/recognised/", {"region": "320400"}).content.decode()


def test_the_enterprise_applies_on_the_page_and_the_officer_decides_there(client, people) -> None:  # type: ignore[no-untyped-def]
    today = date.today().isoformat()
    client.force_login(people["enterprise"])
    assert client.get("/monitoring/carriers/new/").status_code == 403
    response = client.post(
        "/monitoring/carriers/apply/",
        {"kind": "chief_technician_studio", "name": "精工首席技师工作室", "description": "首席技师领办"},
    )
    carrier = Carrier.objects.get(name="精工首席技师工作室")
    assert response.status_code == 302 and carrier.organisation == people["org"] and carrier.status == "applied"
    assert client.post(
        f"/monitoring/carriers/{carrier.pk}/recognise/", {"date": today, "level": "municipal", "clause": CLAUSE}
    ).status_code in (403, 404)
    client.force_login(people["zjg"])
    client.post(
        f"/monitoring/carriers/{carrier.pk}/recognise/", {"date": today, "level": "municipal", "clause": CLAUSE}
    )
    client.post(
        f"/monitoring/carriers/{carrier.pk}/assess/",
        {"year": date.today().year, "date": today, "score": "91.0", "findings": "攻关两项", "clause": CLAUSE},
    )
    client.post(f"/monitoring/carriers/{carrier.pk}/fund/", {"date": today, "amount": "50000", "clause": CLAUSE})
    carrier.refresh_from_db()
    assert carrier.status == "recognised"
    assert CarrierDecision.objects.get(carrier=carrier, kind="fund").amount == 5_000_000
    page = client.get(f"/monitoring/carriers/{carrier.pk}/").content.decode()
    assert "攻关两项" in page and "50,000.00" in page
