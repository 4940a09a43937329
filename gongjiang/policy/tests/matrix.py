"""The policy models' part of the permission matrix (gongjiang/core/tests/test_permission_matrix.py).

``add_policy_world`` places a draft version of a policy set in 张家港, 虎丘, 武进, 苏州 and 江苏, each copied
through its service from a version of a set of that region. A draft is located in its set's region;
organisation users see none. (Four eyes on adoption is a workflow rule, tested in
training/tests/test_policy_drafts.py.)"""

from __future__ import annotations

from typing import Any

from gongjiang.core.audit import audit_context, record_change
from gongjiang.policy.models import PolicyDraft, PolicySet, PolicySetVersion
from gongjiang.policy.services import policy_draft_create

ZJG, HUQIU, WUJIN, SUZHOU, JIANGSU = "320582", "320505", "320412", "320500", "320000"

POLICY_MODELS: dict[str, type] = {"policy.PolicyDraft": PolicyDraft}
POLICY_ORG_VIEW: dict[str, set[str]] = {"policy.PolicyDraft": set()}


def add_policy_world(w: Any) -> None:
    with audit_context(source="cli"):
        for key, region in (("zjg", ZJG), ("hq", HUQIU), ("cz", WUJIN), ("sz", SUZHOU), ("js", JIANGSU)):
            policy_set = PolicySet.objects.create(name=f"matrix-{key}", title=f"矩阵{key}", region_code=region)
            record_change(action="create", instance=policy_set)
            version = PolicySetVersion.objects.create(
                policy_set=policy_set, number=1, digest=f"matrix-{key}", spec={"name": policy_set.name}
            )
            record_change(action="create", instance=version)
            w.add(f"pd_{key}", policy_draft_create(actor=None, policy_set=policy_set), region)
