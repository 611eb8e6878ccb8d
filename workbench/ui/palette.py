"""The interface's colours, from one place, following the system's palette: light, dark, or
high contrast (then the system's own text and highlight colours, so nothing depends on a hue).
Every colour here keeps a contrast of at least 4.5:1 (WCAG AA) to what it is drawn on."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QGuiApplication, QPalette

#: The charts' colours. Charts are drawn on white in every theme (they are also exported as
#: pictures): the series in the colour-blind-safe Okabe–Ito order, dark grey text and axes.
CHART_SERIES = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
CHART_BACKGROUND = "#ffffff"
CHART_TEXT = "#202020"
CHART_AXIS = "#404040"
CHART_MUTED = "#808080"       # the "no data" note, the read-out's border
CHART_GUIDE = "#909090"       # the hover cursor
CHART_REFERENCE = "#C00000"   # a reference line (target, average)
CHART_PREVIOUS = "#B0B0B0"    # the previous period's bars


@dataclass(frozen=True)
class Colors:
    dark: bool
    high_contrast: bool
    text: str
    window: str
    muted: str        # secondary text (explanations, placeholders)
    error: str        # a failure the user must act on
    ok: str           # saved, connected
    info: str         # hints (cross-sell)
    warning_fg: str   # the "do not push" bar
    warning_bg: str
    answer_bg: str    # the script's matched objection answer
    objection_bg: str
    badge_fg: str
    tier: str
    stage: str
    lead: str
    error_bg: str     # behind the part of a text an error points at (the studio's rule editor)
    alert_bg: str     # the call-back banner (white text on it)


def luminance(color: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast(a: str | QColor, b: str | QColor) -> float:
    la, lb = luminance(QColor(a)), luminance(QColor(b))
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def colors(palette: QPalette | None = None) -> Colors:
    pal = palette or QGuiApplication.palette()
    window = pal.color(QPalette.ColorRole.Window)
    text = pal.color(QPalette.ColorRole.WindowText)
    dark = window.lightness() < 128
    high = contrast(window, text) >= 19.0
    t, w = text.name(), window.name()
    if high:
        hl, hl_text = pal.color(QPalette.ColorRole.Highlight).name(), pal.color(QPalette.ColorRole.HighlightedText).name()
        return Colors(dark, True, t, w, muted=t, error=t, ok=t, info=t, warning_fg=hl_text, warning_bg=hl,
                      answer_bg=w, objection_bg=w, badge_fg=hl_text, tier=hl, stage=hl, lead=hl,
                      error_bg=w, alert_bg=hl)
    if dark:
        return Colors(dark, False, t, w, muted="#b0b0b0", error="#ff8a80", ok="#81c784", info="#90caf9",
                      warning_fg="#ffffff", warning_bg="#b71c1c", answer_bg="#1e3a20", objection_bg="#3d3415",
                      badge_fg="#ffffff", tier="#8d6e00", stage="#2c5694", lead="#1e6b43",
                      error_bg="#4a1c1c", alert_bg="#8a3a00")
    return Colors(dark, False, t, w, muted="#595959", error="#b71c1c", ok="#1b5e20", info="#1f4e79",
                  warning_fg="#ffffff", warning_bg="#c62828", answer_bg="#e3f2e1", objection_bg="#fff6d5",
                  badge_fg="#ffffff", tier="#8a6500", stage="#3b6fb6", lead="#2e7d4f",
                  error_bg="#ffebee", alert_bg="#a84300")
