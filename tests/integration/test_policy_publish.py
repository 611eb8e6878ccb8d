"""Publishing from the admin's policy studio reaches every desktop through the server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.integration import factories
from workbench.core.policies import PolicySpec, dump_yaml
from workbench.local_store.db import open_local, session_factory
from workbench.local_store.models import Policy
from workbench.services.policy_admin import PolicyAdminService
from workbench.services.server_api import ServerApi, ServerRejected
from workbench.services.sync_engine import SyncEngine


def test_studio_publish_reaches_other_desktops(world: factories.World, api_for: Callable[..., ServerApi],
                                               tmp_path: Path) -> None:
    admin_api = api_for("admin")
    agent_api = api_for("agent1")
    admin_sf = session_factory(open_local(tmp_path / "admin.db"))
    agent_sf = session_factory(open_local(tmp_path / "agent.db"))
    SyncEngine(admin_sf, admin_api, SyncEngine.client_id_for(admin_sf)).pull_all()
    agent_sync = SyncEngine(agent_sf, agent_api, SyncEngine.client_id_for(agent_sf))
    agent_sync.pull_all()

    studio = PolicyAdminService(admin_sf, publisher=lambda spec: admin_api.publish_policies(dump_yaml(policies=[spec])))
    spec = PolicySpec(id="P-NEW-5G", code="5g-new", name="5G新客礼", rule='network == "4G" and plan_fee >= 96',
                      channels=("outbound", "store"), priority=7, value=300.0, status="draft")
    studio.save(spec)
    published = studio.publish("P-NEW-5G")
    assert published.status == "published"
    agent_sync.pull_all()
    with agent_sf() as s:
        row = s.execute(select(Policy).where(Policy.id == "P-NEW-5G")).scalar_one()
        assert row.status == "published" and row.rule == 'network == "4G" and plan_fee >= 96'


def test_publish_refuses_non_admins_and_bad_rules(world: factories.World, api_for: Callable[..., ServerApi],
                                                  tmp_path: Path) -> None:
    admin_api = api_for("admin")
    bad = dump_yaml(policies=[PolicySpec(id="P-BAD", code="bad", name="坏规则", rule='plan_fee == "96"')])
    with pytest.raises(ServerRejected) as err:
        admin_api.publish_policies(bad)
    assert err.value.status == 422 and "P-BAD" in str(err.value)
    good = dump_yaml(policies=[PolicySpec(id="P-OK", code="ok", name="好规则", rule="plan_fee == 96")])
    agent_api = api_for("agent1")
    with pytest.raises(ServerRejected) as denied:
        agent_api.publish_policies(good)
    assert denied.value.status == 403
    sf = session_factory(open_local(tmp_path / "a.db"))
    SyncEngine(sf, agent_api, SyncEngine.client_id_for(sf)).pull_all()
    with sf() as s:
        ids = set(s.execute(select(Policy.id)).scalars())
    assert "P-BAD" not in ids and "P-OK" not in ids  # nothing applied
