"""Scripts have a channel: a hotline agent answers a caller and a receptionist greets a walk-in
with their channel's words, not the outbound opener (issue #18 point 7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.local_data import AGENT, RECEPTION, WANG_PHONE, build_local_store
from workbench.local_store.models import Script
from workbench.services.screen_pop import ScreenPopService

OUTBOUND_OPENER = "我是您的客户经理"


@pytest.fixture
def sf(tmp_path: Path):  # type: ignore[no-untyped-def]
    sf = build_local_store(tmp_path / "local.db")
    with sf.begin() as s:
        s.add_all([
            Script(id="H-open", section="opening", title="热线·接听", channel="hotline",
                   body="您好,这里是客服热线,请问{surname}{salutation}有什么可以帮您?"),
            Script(id="S-open", section="opening", title="营业厅·迎宾", channel="store",
                   body="您好,欢迎光临!{surname}{salutation},请问今天办理什么业务?"),
            Script(id="H-offer", policy_id="P-168-504", section="offer", title="热线推荐", channel="hotline",
                   body="顺便告诉您,预存168元可得504元话费。"),
        ])
    yield sf
    sf.kw["bind"].dispose()


def _opening(pop) -> str:  # type: ignore[no-untyped-def]
    return next(x.text for x in pop.script if x.section == "opening")


def _offer(pop) -> str:  # type: ignore[no-untyped-def]
    return next(x.text for x in pop.script if x.section == "offer")


def test_each_channel_gets_its_own_greeting(sf) -> None:  # type: ignore[no-untyped-def]
    outbound = ScreenPopService(sf, AGENT).build(WANG_PHONE, channel="outbound")
    hotline = ScreenPopService(sf, AGENT).build(WANG_PHONE, channel="hotline")
    store = ScreenPopService(sf, RECEPTION).build(WANG_PHONE, channel="store")
    assert outbound is not None and hotline is not None and store is not None
    assert OUTBOUND_OPENER in _opening(outbound)
    assert "客服热线" in _opening(hotline) and "王先生" in _opening(hotline)
    assert OUTBOUND_OPENER not in _opening(hotline)
    assert "欢迎光临" in _opening(store) and OUTBOUND_OPENER not in _opening(store)
    # the policy's own hotline offer wins on the hotline; the outbound offer elsewhere
    assert "顺便" in _offer(hotline)
    assert "顺便" not in _offer(outbound) and "顺便" not in _offer(store)
    # no channel ever sees another channel's words
    texts = " ".join(x.text for x in outbound.script)
    assert "客服热线" not in texts and "欢迎光临" not in texts


def test_yaml_scripts_carry_their_channel() -> None:
    from workbench.core.policies import PolicyYamlError, dump_yaml, load_yaml

    text = "scripts:\n- {id: X, section: opening, channel: hotline, body: hi}\n"
    bundle = load_yaml(text)
    assert bundle.scripts[0].channel == "hotline"
    assert load_yaml(dump_yaml(scripts=bundle.scripts)).scripts[0].channel == "hotline"
    with pytest.raises(PolicyYamlError):
        load_yaml("scripts:\n- {id: X, section: opening, channel: telepathy, body: hi}\n")
