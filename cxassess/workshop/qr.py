"""The join link as a QR code, made offline with segno: SVG for pages and notebooks, blocks for a terminal."""

from __future__ import annotations

import functools
import io
from typing import Any


def _code(url: str) -> Any:
    import segno

    return segno.make(url, error="m")  # medium error correction: still reads off a dim projector


def qr_svg(url: str, scale: int = 6) -> str:
    """An inline ``<svg>`` element, dark on white with its quiet zone."""
    return str(_code(url).svg_inline(scale=scale, border=4))


@functools.lru_cache(maxsize=8)  # the projector page asks for the same one on every load
def qr_data_uri(url: str, scale: int = 8) -> str:
    """A ``data:image/svg+xml`` URI, for an ``<img>`` (the page's CSP allows data: images only)."""
    return str(_code(url).svg_data_uri(scale=scale, border=4, dark="#000000", light="#ffffff"))


def qr_text(url: str) -> str:
    """Text blocks a terminal shows as a scannable code."""
    out = io.StringIO()
    _code(url).terminal(out=out, compact=True, border=2)
    return out.getvalue()


__all__ = ["qr_svg", "qr_data_uri", "qr_text"]
