"""Portrait edits from the pop (issue 18, point 7): one transaction with the outbox, only the
editable fields, interests and needs as a tag delta, and the scores recomputed on the desk."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.local_data import build_local_store
from tests.synth.upgrade_model import upgrade_intent_model
from workbench.core.portrait_edit import EDITABLE_TAGS, apply_tag_edit, edit_reason
from workbench.local_store.models import Customer, Outbox
from workbench.services.desk_scoring import DeskScoring
from workbench.services.outcomes import InputError
from workbench.services.portrait_edit import PortraitEditor


@pytest.fixture
def sf(tmp_path: Path):  # type: ignore[no-untyped-def]
    return build_local_store(tmp_path / "local.db")


@pytest.fixture(scope="module")
def upgrade_model():  # type: ignore[no-untyped-def]
    return upgrade_intent_model()


def outbox(sf) -> list[Outbox]:  # type: ignore[no-untyped-def]
    with sf() as s:
        return list(s.execute(select(Outbox).order_by(Outbox.seq)).scalars())


def test_edit_writes_store_and_outbox_together_as_a_tag_delta(sf) -> None:  # type: ignore[no-untyped-def]
    ed = PortraitEditor(sf)
    saved = ed.save("C1", preferred_channel="sms", do_not_sms=True,
                    interests={"upgrade_intent", "family"}, note="想换华为 Mate")
    assert saved.changed == ("do_not_sms", "note", "preferred_channel", "tags_add")
    with sf() as s:
        c = s.get(Customer, "C1")
        assert (c.preferred_channel, c.do_not_sms, c.note) == ("sms", True, "想换华为 Mate")
        # the platform's tags stay, the agent's are appended
        assert c.tags == ["price_sensitive", "contract_expiring", "family", "upgrade_intent"]
    [entry] = outbox(sf)
    assert (entry.entity, entry.op, entry.mutation_id) == ("customer", "update", saved.mutation_id)
    assert entry.data == {"id": "C1", "preferred_channel": "sms", "do_not_sms": True,
                          "note": "想换华为 Mate", "tags_add": ["family", "upgrade_intent"]}
    # removing one interest sends only the removal; an unchanged save sends nothing
    ed.save("C1", interests={"family"})
    assert outbox(sf)[-1].data == {"id": "C1", "tags_remove": ["upgrade_intent"]}
    assert ed.save("C1", preferred_channel="sms", interests={"family"}).mutation_id is None
    assert len(outbox(sf)) == 2
    assert ed.load("C1").interests == frozenset({"family"})


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"preferred_channel": "pigeon"}, "preferred_channel: 'pigeon' is not one of"),
    ({"note": "x" * 10_001}, "note: longer than 10000 characters"),
    ({"interests": {"high_spender"}}, "'high_spender' is not an interest or need tag"),
    ({"interests": {"nonsense"}}, "'nonsense' is not an interest or need tag"),
])
def test_bad_edit_refused_and_nothing_written(sf, kwargs, message) -> None:  # type: ignore[no-untyped-def]
    with sf() as s:
        before = s.get(Customer, "C1").tags, s.get(Customer, "C1").preferred_channel
    with pytest.raises(InputError, match=message):
        PortraitEditor(sf).save("C1", **kwargs)
    with sf() as s:
        assert (s.get(Customer, "C1").tags, s.get(Customer, "C1").preferred_channel) == before
        assert s.scalar(select(func.count()).select_from(Outbox)) == 0


def test_scores_recomputed_in_the_same_transaction(sf, upgrade_model) -> None:  # type: ignore[no-untyped-def]
    desk = DeskScoring(sf)
    desk.registry.install(upgrade_model)
    ed = PortraitEditor(sf, desk)
    low = ed.save("C1", note="第一通").scores["deal"]
    high = ed.save("C1", interests={"upgrade_intent"}).scores["deal"]
    assert high > low + 0.2
    with sf() as s:
        assert s.get(Customer, "C1").scores["deal"] == pytest.approx(high)
    # the same as the desk's own explanation of the stored portrait
    assert desk.explain("C1").probability == pytest.approx(high)


def test_core_rules() -> None:
    assert edit_reason({}) == "nothing to update"
    assert "name: not editable on a desktop" in (edit_reason({"name": "x", "note": ""}) or "")
    assert "scores" in (edit_reason({"scores": {"deal": 1.0}}) or "")
    assert edit_reason({"do_not_sms": "yes"}) == "do_not_sms: expected true or false"
    assert edit_reason({"tags_add": "gamer"}) is not None
    assert edit_reason({"tags_add": ["gamer"], "tags_remove": ["gamer"]}) is not None
    assert edit_reason({"tags_add": sorted(EDITABLE_TAGS)}) is None
    assert edit_reason({"tags_add": [["gamer"]]}) is not None
    assert apply_tag_edit(["a", "gamer"], ["gamer", "student"], ["a"]) == ["gamer", "student"]
