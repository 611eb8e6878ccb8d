"""Reliability diagram as PNG, with matplotlib when installed and without it otherwise.

matplotlib is not a dependency of the project (and Qt exporters are off limits in services),
so the fallback rasterises the chart with numpy and writes the PNG with ``zlib``: the
diagonal (perfect calibration), the model's points joined by a line (marker area ~ count),
a histogram of the predictions along the bottom, grid lines every 0.1 and tick labels.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

# 3x5 bitmap glyphs for tick labels
_GLYPHS = {
    "0": ["111", "101", "101", "101", "111"], "1": ["010", "110", "010", "010", "111"],
    "2": ["111", "001", "111", "100", "111"], "3": ["111", "001", "111", "001", "111"],
    "4": ["101", "101", "111", "001", "001"], "5": ["111", "100", "111", "001", "111"],
    "6": ["111", "100", "111", "101", "111"], "7": ["111", "001", "010", "010", "010"],
    "8": ["111", "101", "111", "101", "111"], "9": ["111", "101", "111", "001", "111"],
    ".": ["000", "000", "000", "000", "010"],
}


def write_png(path: str | Path, rgb: np.ndarray) -> Path:
    """Write an ``(h, w, 3)`` uint8 array as a PNG file."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].astype(np.uint8).tobytes() for y in range(h))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    png = (b"\x89PNG\r\n\x1a\n"
           + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    path = Path(path)
    path.write_bytes(png)
    return path


class _Canvas:
    def __init__(self, size: int = 480, margin: int = 48) -> None:
        self.img = np.full((size, size, 3), 255, dtype=np.uint8)
        self.size, self.m = size, margin
        self.span = size - 2 * margin

    def xy(self, x: float, y: float) -> tuple[int, int]:
        return (int(round(self.m + x * self.span)), int(round(self.size - self.m - y * self.span)))

    def dot(self, px: int, py: int, color: tuple[int, int, int], r: int = 1) -> None:
        y0, y1 = max(0, py - r), min(self.size, py + r + 1)
        x0, x1 = max(0, px - r), min(self.size, px + r + 1)
        self.img[y0:y1, x0:x1] = color

    def line(self, a: tuple[float, float], b: tuple[float, float], color: tuple[int, int, int],
             width: int = 1) -> None:
        (x0, y0), (x1, y1) = self.xy(*a), self.xy(*b)
        n = max(abs(x1 - x0), abs(y1 - y0), 1)
        for t in np.linspace(0, 1, n + 1):
            self.dot(int(round(x0 + t * (x1 - x0))), int(round(y0 + t * (y1 - y0))), color, width // 2)

    def text(self, s: str, px: int, py: int, scale: int = 2, color: tuple[int, int, int] = (0, 0, 0)) -> None:
        for i, ch in enumerate(s):
            glyph = _GLYPHS.get(ch)
            if glyph is None:
                continue
            for gy, row in enumerate(glyph):
                for gx, bit in enumerate(row):
                    if bit == "1":
                        x = px + (i * 4 + gx) * scale
                        y = py + gy * scale
                        self.img[y:y + scale, x:x + scale] = color


def _fallback_png(points: Sequence[Mapping[str, float]], path: Path) -> Path:
    c = _Canvas()
    grid, axis = (225, 225, 225), (60, 60, 60)
    for k in range(11):
        t = k / 10
        c.line((t, 0), (t, 1), grid)
        c.line((0, t), (1, t), grid)
    for a, b in (((0, 0), (1, 0)), ((0, 0), (0, 1)), ((1, 0), (1, 1)), ((0, 1), (1, 1))):
        c.line(a, b, axis)
    c.line((0, 0), (1, 1), (150, 150, 150), width=2)
    total = sum(p["count"] for p in points) or 1
    for p in points:  # prediction histogram along the bottom (up to 15% of the height)
        x = p["predicted"]
        h = 0.15 * p["count"] / total
        for dx in np.linspace(-0.03, 0.03, 7):
            c.line((min(1, max(0, x + dx)), 0), (min(1, max(0, x + dx)), h), (190, 205, 235))
    blue = (31, 119, 180)
    for p, q in zip(points, points[1:], strict=False):
        c.line((p["predicted"], p["observed"]), (q["predicted"], q["observed"]), blue, width=3)
    for p in points:
        r = int(2 + 6 * np.sqrt(p["count"] / total))
        c.dot(*c.xy(p["predicted"], p["observed"]), blue, r)
    for k in (0, 5, 10):
        label = f"{k / 10:.1f}"
        px, py = c.xy(k / 10, 0)
        c.text(label, px - 12, py + 8)
        px, py = c.xy(0, k / 10)
        c.text(label, px - 36, py - 5)
    return write_png(path, c.img)


def reliability_png(points: Sequence[Mapping[str, float]], path: str | Path,
                    title: str = "Reliability diagram") -> Path:
    """Draw the reliability diagram of ``points`` (from ``models.reliability``) to ``path``.

    x = mean predicted probability per bin, y = observed rate; the diagonal is perfect
    calibration.
    """
    path = Path(path)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return _fallback_png(points, path)
    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, label="perfect")
    ax.plot([p["predicted"] for p in points], [p["observed"] for p in points], "o-", label="model")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("predicted probability")
    ax.set_ylabel("observed rate")
    ax.set_title(title)
    ax.legend(loc="upper left")
    fig.savefig(path)
    plt.close(fig)
    return path
