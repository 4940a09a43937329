"""A municipal competition in a real browser: the 常州 officer creates it, registers the participants,
adds three judges and two marking aspects, starts marking, enters the judges' marks (an upload and one
correction by hand), publishes the results and issues the winners' certificates; anyone then finds the
results on the public page, names masked, and verifies the winner's direct-recognition certificate on the
public verification page."""

from __future__ import annotations

import datetime

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CZ, WUJIN = "320400", "320412"
NAMES = ["陈建国", "周海燕", "吴晓明", "郑立新"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(reference, make_user, make_person, make_org):
    officer = make_user("changzhou", region_code=CZ)
    people = [
        make_person(region=WUJIN, name=n, birth=datetime.date(1988 + i, 4, 12), phone=f"1370000{i:04d}")
        for i, n in enumerate(NAMES)
    ]
    organiser = make_org(region=WUJIN, name="武进职业技能鉴定中心")
    make_org(region=WUJIN, name="武进精密机械")
    return {"officer": officer, "people": people, "organiser": organiser}


def step(page, name: str, **fields: str) -> None:
    page.click(f"#step-{name}")
    page.wait_for_selector("#step-form-card")
    for field, value in fields.items():
        page.fill(f"#step-form-card [name={field}]", value)
    with page.expect_navigation():
        page.click("#step-submit")


def submit(page, form: str, button: str, **fields: str) -> None:
    for field, value in fields.items():
        page.fill(f"{form} [name={field}]", value)
    with page.expect_navigation():
        page.click(button)


def test_municipal_competition_from_registration_to_verified_certificate(world, page, login, live_server, shot):
    from gongjiang.competitions.models import Competition, Mark, Participant

    url = live_server.url
    today = datetime.date.today()
    login("changzhou")
    page.click("#nav-competitions")
    page.click("#competition-new")
    assert page.input_value("[name=region_code]") == CZ
    page.fill("[name=name]", "常州市职业技能大赛电工项目")
    page.select_option("[name=level]", "municipal")
    page.fill("[name=occupation]", "6-31-01")
    page.click(".picker-choices [data-pick='6-31-01-03']")
    page.select_option("[name=award_level]", "level3")
    # The organiser is chosen by name (and credit code) among the city's organisations, narrowed by typing.
    organiser = world["organiser"]
    page.fill("[data-search-for=organiser]", "鉴定")
    page.select_option("[name=organiser]", label=f"{organiser.name}（{organiser.uscc}）")
    page.fill("[name=start]", (today - datetime.timedelta(days=3)).isoformat())
    page.fill("[name=end]", (today - datetime.timedelta(days=1)).isoformat())
    page.fill("[name=cap]", "50")
    page.fill("[name=recognised_ranks]", "2")
    page.click("#save")
    page.wait_for_selector("#step-open")
    competition = Competition.objects.get()
    assert competition.organiser == organiser
    step(page, "open")

    # 报名: the participants from the registry, by ID number and name; three judges; two aspects.
    for person in world["people"]:
        submit(page, "#participant-form", "#add-participant", id_number=person.id_number, name=person.name)
    assert competition.participants.count() == 4
    for judge in ("裁判甲", "裁判乙", "裁判丙"):
        submit(page, "#judge-form", "#add-judge", name=judge)
    page.select_option("#aspect-form [name=kind]", "measurement")
    submit(page, "#aspect-form", "#add-aspect", name="尺寸精度", max_mark="40")
    page.select_option("#aspect-form [name=kind]", "judgement")
    submit(page, "#aspect-form", "#add-aspect", name="工艺美观", max_mark="10")
    assert page.locator("#judges li").count() == 3
    shot(page, "competitions-01-registration")
    step(page, "close")

    # 评分: every judge marks every participant on both aspects (an upload), then one mark corrected by hand.
    measured = {"陈建国": 38, "周海燕": 35, "吴晓明": 30, "郑立新": 26}
    judged = {"裁判甲": {"陈建国": 9, "周海燕": 8, "吴晓明": 6, "郑立新": 5},  # a lenient judge
              "裁判乙": {"陈建国": 7, "周海燕": 6, "吴晓明": 4, "郑立新": 3},  # a severe one
              "裁判丙": {"陈建国": 8, "周海燕": 7, "吴晓明": 5, "郑立新": 2}}  # fmt: skip
    lines = ["身份证号码,裁判,评分项,分数"]
    for person in world["people"]:
        for judge, marks in judged.items():
            lines.append(f"{person.id_number},{judge},尺寸精度,{measured[person.name]}")
            lines.append(f"{person.id_number},{judge},工艺美观,{marks[person.name]}")
    page.set_input_files(
        "#marks-form [name=file]",
        files=[{"name": "评分.csv", "mimeType": "text/csv", "buffer": "\n".join(lines).encode("utf-8")}],
    )
    with page.expect_navigation():
        page.click("#upload-marks")
    assert Mark.objects.filter(participant__competition=competition).count() == 24
    page.select_option("#mark-form [name=participant]", label="郑*新")
    page.select_option("#mark-form [name=judge]", label="裁判丙")
    page.select_option("#mark-form [name=aspect]", label="工艺美观")
    submit(page, "#mark-form", "#save-mark", value="3")
    assert (
        Mark.objects.get(participant__person=world["people"][3], judge__name="裁判丙", aspect__name="工艺美观").value
        == 3
    )
    assert page.locator("#results-preview tbody tr").count() == 4
    shot(page, "competitions-02-marks")

    # 公布 and 发证.
    step(page, "publish")
    step(page, "issue")
    winner = Participant.objects.get(competition=competition, rank=1)
    assert winner.person.name == "陈建国" and winner.medal == "gold" and winner.certificate is not None
    number = winner.certificate.number
    assert Participant.objects.get(competition=competition, rank=2).certificate is not None
    assert Participant.objects.get(competition=competition, rank=3).certificate is None
    shot(page, "competitions-03-issued")

    # The public results page: names and ID numbers masked, the winners' certificate numbers.
    page.click("form[action$='/accounts/logout/'] button")
    page.wait_for_url("**/accounts/login/**")
    page.goto(f"{url}/competitions/results/")
    page.click("#results-table a:has-text('常州市职业技能大赛电工项目')")
    table = page.inner_text("#result-table")
    assert "陈*国" in table and "陈建国" not in table
    assert world["people"][0].id_number not in table
    assert number == page.inner_text("#result-table tbody tr:first-child .certificate-number")
    shot(page, "competitions-04-public-results")

    # 核验: the winner's direct-recognition certificate on the public verification page.
    page.click("#result-table tbody tr:first-child .certificate-number")
    page.wait_for_selector("#verify-form")
    page.fill("#id_cert_number", number)
    page.fill("#id_holder_name", "陈建国")
    page.click("#verify-submit")
    page.wait_for_selector("#answer")
    assert page.get_attribute("#answer", "data-result") == "valid"
    assert page.inner_text("#answer-number") == number
    assert "高级工" in page.inner_text("#answer-level")
    shot(page, "competitions-05-verified")
