"""Issue 15 point 7 on the desk: a customer's online order shows on the open pop as
"ordered online at 14:03" (the business time zone, the interface's locale), and the offer is
gone."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QDateTime, QLocale, QTime

from tests.local_data import WANG_PHONE
from workbench.app import LocalContext
from workbench.core.clock import BUSINESS_TZ
from workbench.i18n import install_language
from workbench.local_store.models import Acceptance
from workbench.ui import labels
from workbench.ui.screen_pop import ScreenPopWidget


def _order_online(ctx: LocalContext, when: dt.datetime) -> None:
    with ctx.sf.begin() as s:
        s.add(Acceptance(id="A-online", customer_id="C1", policy_id="P-168-504", channel="online",
                         accepted_at=when.astimezone(dt.UTC), value=504))


def _today_at(hour: int, minute: int) -> dt.datetime:
    today = dt.datetime.now(BUSINESS_TZ).date()
    return dt.datetime(today.year, today.month, today.day, hour, minute, tzinfo=BUSINESS_TZ)


def test_an_online_order_shows_its_time_and_the_offer_is_gone(qtbot, qapp, local_ctx: LocalContext) -> None:  # type: ignore[no-untyped-def]
    widget = ScreenPopWidget()
    qtbot.addWidget(widget)
    before = local_ctx.pops.build(WANG_PHONE)
    assert before is not None and "P-168-504" in {o.policy_id for o in before.offers}
    _order_online(local_ctx, _today_at(14, 3))  # 06:03 UTC, stored in UTC
    after = local_ctx.pops.build(WANG_PHONE)
    assert after is not None
    try:
        assert install_language(qapp, "zh")
        widget.show_snapshot(after)
        assert not widget.warning_bar.isHidden()
        assert "预存168得504 已于 14:03 在网厅办理" in widget.warning_bar.text()
        assert "已通过" not in widget.warning_bar.text()  # not the generic "accepted via" line
        assert widget.offers_model.rowCount() == 0
        assert not widget.accept_button.isEnabled()
        assert install_language(qapp, "en")
        widget.show_snapshot(after)
        # English as the en_US locale writes 14:03
        assert "预存168得504 ordered online at 2:03\u202fPM" in widget.warning_bar.text() or \
            "预存168得504 ordered online at 2:03 PM" in widget.warning_bar.text()
    finally:
        install_language(qapp, "en")


def test_an_order_of_another_day_names_the_day(qapp) -> None:  # type: ignore[no-untyped-def]
    assert install_language(qapp, "zh")
    try:
        when = dt.datetime(2026, 11, 9, 22, 30, tzinfo=dt.UTC)  # 06:30 on the 10th in Beijing
        text = labels.business_time(when.replace(tzinfo=None).isoformat(), today=dt.date(2026, 11, 12))
        expected = QLocale().toString(QDateTime(QDate(2026, 11, 10), QTime(6, 30)), QLocale.FormatType.ShortFormat)
        assert text == expected and "06:30" in text and "11" in text and "10" in text
        assert labels.business_time(when.isoformat(), today=dt.date(2026, 11, 10)) == "06:30"
        # a store channel keeps the generic sentence
        assert "已通过" in labels.warning("already_accepted", {"policy": "X", "channel": "store", "where": "天河"})
        assert labels.business_time("not a time") == "not a time"
    finally:
        install_language(qapp, "en")
