"""Policy publish refuses non-finite and out-of-range numbers, NUL characters and oversized lists
with a 422 naming the item and field, and changes nothing (issue #13, point 1)."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from server_stub.policy_admin import apply_bundle
from server_stub.storage.db import open_central
from server_stub.storage.models import ChangeLog, Policy, Script
from tests.integration.factories import World, central_session
from workbench.core.policies import PolicyBundle, PolicySpec, PolicyYamlError, ScriptSpec
from workbench.services.server_api import ServerApi, ServerRejected


def stored(url: str) -> tuple[int, int, int]:
    with central_session(url) as s:
        return tuple(int(s.execute(select(func.count()).select_from(t)).scalar_one())  # type: ignore[return-value]
                     for t in (Policy, Script, ChangeLog))


POLICY = "format: 1\npolicies:\n- id: P-X\n  name: x\n  rule: 'true'\n"
BAD_YAML = {
    "value .nan": (POLICY + "  value: .nan\n", "value"),
    "value .inf": (POLICY + "  value: .inf\n", "value"),
    "value 1.0e400": (POLICY + "  value: 1.0e400\n", "value"),
    "value 1e12": (POLICY + "  value: 1000000000000\n", "value"),
    "quota beyond any column": (POLICY + "  quota_total: 99999999999999999999999\n", "quota_total"),
    "priority beyond any column": (POLICY + "  priority: -99999999999999999999999\n", "priority"),
    "NUL in a description": (POLICY + '  description: "a\\0b"\n', "description"),
    "NUL in a channel": (POLICY + '  channels: ["outbound\\0"]\n', "channels"),
    "a script keyword too long": ("format: 1\nscripts:\n- id: S-X\n  keywords: [" + "k" * 500 + "]\n",
                                  "keywords"),
    "too many keywords": ("format: 1\nscripts:\n- id: S-X\n  keywords: ["
                          + ", ".join(f"k{i}" for i in range(1000)) + "]\n", "keywords"),
    "max_contacts beyond any column": ("format: 1\npressure_limits:\n- id: L-X\n  channel: outbound\n"
                                       "  max_contacts: 99999999999999\n", "max_contacts"),
}


@pytest.mark.parametrize("case", list(BAD_YAML), ids=list(BAD_YAML))
def test_publish_refuses_values_the_store_must_not_hold(world: World, api_for: Callable[..., ServerApi],
                                                       case: str) -> None:
    text, field = BAD_YAML[case]
    admin = api_for("admin")
    before = stored(world.url)
    with pytest.raises(ServerRejected) as err:
        admin.publish_policies(text)
    assert err.value.status == 422, err.value
    assert f".{field}:" in str(err.value), str(err.value)
    assert stored(world.url) == before
    # the same file through a clean one is accepted (the check is not a blanket refusal)
    assert admin.publish_policies(POLICY + "  value: 99.5\n")


def test_bundles_built_in_code_are_checked_at_the_store_too(world: World) -> None:
    """A bundle that never went through the YAML validator (built in code) is still checked."""
    engine = open_central(world.url, migrate=False)
    try:
        before = stored(world.url)
        for bundle, field in [
            (PolicyBundle(policies=(PolicySpec(id="P-N", code="n", name="n", value=math.nan),)), "value"),
            (PolicyBundle(policies=(PolicySpec(id="P-N", code="n", name="n", quota_total=2**40),)), "quota_total"),
            (PolicyBundle(scripts=(ScriptSpec(id="S-N", body="a\x00b"),)), "body"),
            (PolicyBundle(scripts=(ScriptSpec(id="S-" + "x" * 60),)), "id"),
        ]:
            with pytest.raises(PolicyYamlError) as err:
                apply_bundle(engine, bundle)
            assert f".{field}:" in str(err.value), str(err.value)
            assert stored(world.url) == before
    finally:
        engine.dispose()
