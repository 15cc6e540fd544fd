"""How much room text needs: word-wrapped line counts and heights, measured with real font metrics.

Widths come from DejaVu Sans (the copy matplotlib ships, so it is always there), which is wider
than Arial/Liberation Sans and Calibri: text measured to fit in DejaVu fits in the fonts decks are
usually shown in. Used by the deck to pick a font size that fits a box, or to split onto another slide.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

#: Line height as a multiple of the font size (DejaVu's own is 1.164; a little slack on top).
LINE_HEIGHT = 1.2
_MEASURE_PX = 100  # the font is loaded once at this size; widths scale linearly


def font_file(bold: bool = False) -> Path:
    """DejaVu Sans (bold) from matplotlib's data folder, found without importing matplotlib."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib (a cxassess dependency) is not installed")
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf" / name


@lru_cache(maxsize=2)
def _font(bold: bool) -> Any:
    from PIL import ImageFont

    return ImageFont.truetype(str(font_file(bold)), _MEASURE_PX)


_LOCK = threading.Lock()  # one FreeType face per font, shared by the renderer's threads


@lru_cache(maxsize=20000)
def _width_px(text: str, bold: bool) -> float:
    with _LOCK:
        return float(_font(bold).getlength(text))


def text_width(text: str, size_pt: float, bold: bool = False) -> float:
    """Width of one line of ``text`` at ``size_pt``, in points."""
    return _width_px(text, bold) * size_pt / _MEASURE_PX


def wrap(text: str, width_pt: float, size_pt: float, bold: bool = False) -> list[str]:
    """Greedy word wrap into lines no wider than ``width_pt`` (a word longer than a line is cut)."""
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if text_width(candidate, size_pt, bold) <= width_pt:
                line = candidate
                continue
            if line:
                lines.append(line)
            while text_width(word, size_pt, bold) > width_pt and len(word) > 1:  # cut an overlong word
                cut = max(1, _fits(word, width_pt, size_pt, bold))
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


def _fits(word: str, width_pt: float, size_pt: float, bold: bool) -> int:
    lo, hi = 1, len(word)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if text_width(word[:mid], size_pt, bold) <= width_pt:
            lo = mid
        else:
            hi = mid - 1
    return lo


def lines_needed(text: str, width_pt: float, size_pt: float, bold: bool = False) -> int:
    return len(wrap(text, width_pt, size_pt, bold))


def runs_lines(runs: Sequence[tuple[str, bool]], width_pt: float, size_pt: float) -> int:
    """Lines needed by one paragraph of mixed ``(text, bold)`` runs: words wrap with their own weight."""
    return _runs_lines(tuple((str(t), bool(b)) for t, b in runs), round(width_pt, 3), size_pt)


@lru_cache(maxsize=4096)
def _runs_lines(runs: tuple[tuple[str, bool], ...], width_pt: float, size_pt: float) -> int:
    if sum(text_width(t, size_pt, b) for t, b in runs) <= width_pt and "\n" not in "".join(t for t, _ in runs):
        return 1
    words: list[tuple[str, bool]] = []
    for text, bold in runs:
        for k, piece in enumerate(str(text).split(" ")):
            if k == 0 and words and piece:  # a run continuing the previous word
                prev, prev_bold = words[-1]
                words[-1] = (prev + piece, prev_bold or bold)
            elif piece:
                words.append((piece, bold))
    lines, used = 1, 0.0
    space = text_width(" ", size_pt)
    for word, bold in words:
        w = text_width(word, size_pt, bold)
        if used and used + space + w <= width_pt:
            used += space + w
        elif not used and w <= width_pt:
            used = w
        else:
            extra = lines_needed(word, width_pt, size_pt, bold)
            lines += (1 if used else 0) + extra - 1
            used = text_width(wrap(word, width_pt, size_pt, bold)[-1], size_pt, bold)
    return lines


def height(paragraphs: Sequence[tuple[str, float, bool, float]], width_pt: float) -> float:
    """Height in points of paragraphs given as ``(text, size_pt, bold, space_after_pt)``."""
    total = 0.0
    for text, size, bold, after in paragraphs:
        total += lines_needed(text, width_pt, size, bold) * size * LINE_HEIGHT + after
    return total


__all__ = ["LINE_HEIGHT", "font_file", "text_width", "wrap", "lines_needed", "runs_lines", "height"]
