"""The SMS channel on the dashboards (issue 15 point 8): SMS sent, delivered, links opened,
orders and cost per order beside the other channels, and the funnel SMS -> link opened ->
ordered. The figures come through :class:`SmsFunnelViewModel` (the server's report)."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.services.channel_funnel import SmsChannelFigures
from workbench.ui.dashboard import PALETTE, CategoryChart
from workbench.views.sms_funnel_vm import SmsFunnelViewModel
from workbench.views.table_models import format_value

_STAGE = {
    "sent": QT_TRANSLATE_NOOP("SmsFunnelPanel", "SMS sent"),
    "delivered": QT_TRANSLATE_NOOP("SmsFunnelPanel", "Delivered"),
    "links_opened": QT_TRANSLATE_NOOP("SmsFunnelPanel", "Link opened"),
    "ordered": QT_TRANSLATE_NOOP("SmsFunnelPanel", "Ordered online"),
}


def stage_label(key: str) -> str:
    text = _STAGE.get(key)
    return key if text is None else QCoreApplication.translate("SmsFunnelPanel", text)


class SmsFunnelPanel(QWidget):
    """The SMS channel's figures (one row of the channel comparison) and its funnel."""

    PERIODS = (7, 30, 90)

    def __init__(self, vm: SmsFunnelViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = vm
        root = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Period")))
        self.period = QComboBox()
        for d in self.PERIODS:
            self.period.addItem(self.tr("Last %n day(s)", "", d), d)
        self.period.setCurrentIndex(self.PERIODS.index(30) if vm.days == 30 else 0)
        self.period.currentIndexChanged.connect(lambda _i: self.vm.refresh(int(self.period.currentData())))
        bar.addWidget(self.period)
        self.status = QLabel()
        bar.addWidget(self.status, 1)
        root.addLayout(bar)
        root.addWidget(QLabel(self.tr("Channel comparison: SMS")))
        self.comparison = QTableWidget(1, 7)
        self.comparison.setHorizontalHeaderLabels([
            self.tr("Channel"), self.tr("SMS sent"), self.tr("Delivered"), self.tr("Links opened"),
            self.tr("Orders"), self.tr("Cost"), self.tr("Cost per order")])
        self.comparison.verticalHeader().hide()
        self.comparison.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.comparison.setAccessibleName(self.tr("Channel comparison: SMS"))
        root.addWidget(self.comparison)
        self.chart = CategoryChart(self.tr("SMS funnel"), self.tr("Count"), self.tr("Stage"))
        self.chart.add_bars(self.tr("Count"), "int", color=PALETTE[0])
        root.addWidget(self.chart, 1)
        self.funnel = QTableWidget(0, 4)
        self.funnel.setHorizontalHeaderLabels([self.tr("Stage"), self.tr("Count"), self.tr("Of the step before"),
                                               self.tr("Of SMS sent")])
        self.funnel.verticalHeader().hide()
        self.funnel.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.funnel.setAccessibleName(self.tr("SMS funnel"))
        root.addWidget(self.funnel)
        self.note = QLabel(self.tr("Messages are counted in SMS sent and delivered; customers in link opened "
                                   "and ordered (only what followed their SMS)."))
        self.note.setWordWrap(True)
        root.addWidget(self.note)
        vm.ready.connect(self.show_figures)
        vm.failed.connect(self.status.setText)
        vm.busy_changed.connect(lambda busy: self.status.setText(self.tr("Loading…")) if busy else None)

    def show_figures(self, f: SmsChannelFigures) -> None:
        self.status.setText(self.tr("%n message(s) in the period", "", f.messages))
        cells = [self.tr("SMS"), format_value(f.sent, "int"), format_value(f.delivered, "int"),
                 format_value(f.links_opened, "int"), format_value(f.ordered, "int"), format_value(f.cost, "money"),
                 format_value(f.cost_per_order, "money")]
        for col, text in enumerate(cells):
            self.comparison.setItem(0, col, QTableWidgetItem(text))
        self.comparison.resizeColumnsToContents()
        stages = f.stages()
        self.chart.set_data([stage_label(s.key) for s in stages], [[float(s.count) for s in stages]])
        self.funnel.setRowCount(len(stages))
        for row, s in enumerate(stages):
            for col, text in enumerate((stage_label(s.key), format_value(s.count, "int"),
                                        format_value(s.of_previous, "percent"), format_value(s.of_first, "percent"))):
                self.funnel.setItem(row, col, QTableWidgetItem(text))
        self.funnel.resizeColumnsToContents()
