from gongjiang.registry.tests.test_api import _api, ZJG, WUJIN, make_uscc, officer, _fast_passwords  # noqa

def test_probe(officer, make_person, make_org, make_certificate):
    api = _api(officer)
    def show(label, r):
        print(label, r.status_code, r.content[:200].decode(errors="replace"))
    for payload in [{"region_code": ZJG, "year": 0, "employed": 5}, {"region_code": ZJG, "year": 20000, "employed": 5},
                    {"region_code": ZJG, "year": 1800, "employed": 5}, {"region_code": "abc", "year": 2020, "employed": 5}]:
        show("stat", api.post("/api/employment-stats/", payload, format="json"))
    p = make_person(region=ZJG); o = make_org(region=ZJG)
    show("emp end<start", api.post("/api/employments/", {"person": p.pk, "organisation": o.pk, "start": "2020-01-01", "end": "2019-01-01"}, format="json"))
    show("emp", api.post("/api/employments/", {"person": p.pk, "organisation": o.pk, "start": "2020-01-01"}, format="json"))
    show("emp dup", api.post("/api/employments/", {"person": p.pk, "organisation": o.pk, "start": "2020-01-01"}, format="json"))
    show("emp occ", api.post("/api/employments/", {"person": p.pk, "organisation": o.pk, "start": "2021-01-01", "occupation_code": "x"}, format="json"))
    show("person abc region", api.post("/api/persons/", {"name": "x", "id_number": "110101199003070011", "residence_region_code": "abc"}, format="json"))
    show("patch bad id", api.patch(f"/api/persons/{p.pk}/", {"id_number": "bad"}, format="json"))
    show("patch empty name", api.patch(f"/api/persons/{p.pk}/", {"name": ""}, format="json"))
    show("org bad industry", api.patch(f"/api/organisations/{o.pk}/", {"industry_code": "ZZ"}, format="json"))
    show("org bad region", api.patch(f"/api/organisations/{o.pk}/", {"region_code": "999999"}, format="json"))
    show("org put", api.put(f"/api/organisations/{o.pk}/", {"uscc": o.uscc, "name": "n", "kind": "enterprise", "region_code": ZJG}, format="json"))
    show("person put", api.put(f"/api/persons/{p.pk}/", {"name": "n", "id_number": p.id_number, "residence_region_code": ZJG}, format="json"))
    c = make_certificate(p)
    show("future revoke", api.post(f"/api/certificates/{c.pk}/revoke/", {"revoked_on": "2099-01-01", "reason": "x"}, format="json"))
    show("cert bogus source", api.post("/api/certificates/", {"number": "S000132912345243013579", "person": p.pk, "occupation_code": "6-31-01-03", "level_code": "level3", "issue_date": "2024-01-01", "source": "bogus"}, format="json"))
    show("sex Q", api.get("/api/persons/", {"sex": "Q"}))
    show("year abc", api.get("/api/certificates/", {"year": "abc"}))
    show("person abc", api.get("/api/certificates/", {"person": "abc", "level": "zzz"}))
    show("page 999", api.get("/api/persons/", {"page": "999"}))
    show("emp person abc", api.get("/api/employments/", {"person": "abc"}))
    show("stat year huge", api.get("/api/employment-stats/", {"year": "99999999999"}))
    show("persons detail abc", api.get("/api/persons/abc/"))
