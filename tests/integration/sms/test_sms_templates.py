"""Point 2 of issue 15: SMS templates published like policies, the admin-editable
sensitive-word list, and the check endpoint the studio calls while a template is typed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy import select

from server_stub.storage.models import ChangeLog, SmsTemplate
from tests.integration import factories
from tests.integration.sms.conftest import SmsChain

ROOT = Path(__file__).resolve().parents[3]

GOOD = """
sms_templates:
  - id: TPL-168
    name: 168 预存送 504
    policy_id: P-168-504
    body: "【客户服务】{name}您好，{policy}：{pitch} 详情{link} 回TD退订"
  - id: TPL-GEN
    purpose: hangup
    body: "【客户服务】{name}您好，您的专属优惠：{link}"
"""


def _token(chain: SmsChain, username: str) -> dict[str, str]:
    r = httpx.post(f"{chain.base_url}/api/v1/auth/login", json={"username": username, "password": factories.PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _templates(chain: SmsChain) -> dict[str, tuple[int, str]]:
    with chain.factory() as s:
        return {t.id: (t.version, t.body) for t in s.execute(select(SmsTemplate)).scalars()}


def test_publish_validate_version_and_export(no_gateway_chain: SmsChain) -> None:
    chain = no_gateway_chain
    factories.make_world(chain.server.db_url, customers_per_team=1, with_tasks=False)
    admin, agent = _token(chain, "admin"), _token(chain, "agent1")
    url = f"{chain.base_url}/api/v1/admin/sms/templates/publish"
    assert httpx.post(url, json={"yaml": GOOD}, headers=agent).status_code == 403
    r = httpx.post(url, json={"yaml": GOOD}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json() == {"created": ["TPL-168", "TPL-GEN"], "updated": [], "unchanged": []}
    assert httpx.post(url, json={"yaml": GOOD}, headers=admin).json()["unchanged"] == ["TPL-168", "TPL-GEN"]
    changed = GOOD.replace("您的专属优惠", "您的老用户专属优惠")
    assert httpx.post(url, json={"yaml": changed}, headers=admin).json()["updated"] == ["TPL-GEN"]
    assert _templates(chain)["TPL-GEN"][0] == 2
    with chain.factory() as s:  # desks hear of it through the change log, as reference data
        entries = s.execute(select(ChangeLog).where(ChangeLog.entity == "sms_template")).scalars().all()
        assert len(entries) == 3 and all(e.team_id is None and e.store_id is None for e in entries)
    exported = httpx.get(f"{chain.base_url}/api/v1/admin/sms/templates", headers=admin).json()["yaml"]
    assert "TPL-168" in exported and "老用户专属优惠" in exported


def test_a_bad_template_names_every_problem_and_nothing_is_applied(no_gateway_chain: SmsChain) -> None:
    chain = no_gateway_chain
    factories.make_world(chain.server.db_url, customers_per_team=1, with_tasks=False)
    admin = _token(chain, "admin")
    url = f"{chain.base_url}/api/v1/admin/sms/templates/publish"
    bad = GOOD + """
  - id: TPL-BAD
    policy_id: P-NONE
    body: "{name}您好，{nmae} 送发票"
"""
    r = httpx.post(url, json={"yaml": bad}, headers=admin)
    assert r.status_code == 422
    issues = {(i["id"], i["field"], i["code"], i["position"]) for i in r.json()["issues"]}
    assert ("TPL-BAD", "body", "unknown_placeholder", 9) in issues
    assert ("TPL-BAD", "body", "sensitive_word", 17) in issues
    assert ("TPL-BAD", "body", "no_signature", -1) in issues
    assert ("TPL-BAD", "policy_id", "", -1) in issues
    assert _templates(chain) == {}  # the good ones in the same file were not applied either
    for text in ("not: [valid", "sms_templates: 3", "sms_templates:\n  - id: X\n    body: 5\n"):
        assert httpx.post(url, json={"yaml": text}, headers=admin).status_code == 422
    assert _templates(chain) == {}


def test_sensitive_words_admin_edit_and_effect(no_gateway_chain: SmsChain) -> None:
    chain = no_gateway_chain
    factories.make_world(chain.server.db_url, customers_per_team=1, with_tasks=False)
    admin, agent = _token(chain, "admin"), _token(chain, "agent1")
    url = f"{chain.base_url}/api/v1/admin/sms/words"
    shipped = httpx.get(url, headers=admin).json()["words"]
    assert "发票" in shipped and len(shipped) >= 10
    assert httpx.get(url, headers=agent).status_code == 403
    assert httpx.put(url, json={"words": ["x"]}, headers=agent).status_code == 403
    for bad in ({"words": [""]}, {"words": ["a" * 41]}, {"words": ["a\x01"]}, {"words": "发票"}):
        assert httpx.put(url, json=bad, headers=admin).status_code == 422
    assert httpx.get(url, headers=admin).json()["words"] == shipped
    r = httpx.put(url, json={"words": [*shipped, "  秒杀 ", "秒杀"]}, headers=admin)
    assert r.status_code == 200 and "秒杀" in r.json()["words"]
    check = f"{chain.base_url}/api/v1/sms/check"
    text = "【客户服务】{name}您好，限时秒杀"
    out = httpx.post(check, json={"text": text}, headers=agent).json()
    assert not out["ok"]
    assert [(i["code"], i["word"], i["position"]) for i in out["issues"]] == [
        ("sensitive_word", "秒杀", text.index("秒杀"))]
    ok = httpx.post(check, json={"text": "【客户服务】{name}您好"}, headers=agent).json()
    assert ok["ok"] and ok["segments"] == 1 and ok["encoding"] == "ucs2"
    free = httpx.post(check, json={"text": "{name} 发票", "template": False}, headers=agent).json()
    assert [i["code"] for i in free["issues"]] == ["sensitive_word"]
    assert httpx.post(check, json={"text": "x" * 2001}, headers=agent).status_code == 422
    assert httpx.post(check, json={"text": "x"}).status_code == 401


def test_cli_import_and_export(sqlite_central: str, tmp_path: Path) -> None:
    factories.make_world(sqlite_central, customers_per_team=1, with_tasks=False)
    good = tmp_path / "t.yaml"
    good.write_text(GOOD, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("【客户服务】{name}您好，您的", "{name}您好，您的"), encoding="utf-8")
    env_cmd = [sys.executable, "-m", "server_stub"]
    r = subprocess.run([*env_cmd, "import-sms-templates", str(bad), "--db", sqlite_central],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1 and "TPL-GEN" in r.stderr and "signature" in r.stderr and "nothing was imported" in r.stderr
    r = subprocess.run([*env_cmd, "import-sms-templates", str(good), "--db", sqlite_central],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert "2 created" in r.stdout
    r = subprocess.run([*env_cmd, "export-sms-templates", "--db", sqlite_central], capture_output=True,
                       text=True, cwd=ROOT)
    assert "TPL-168" in r.stdout
