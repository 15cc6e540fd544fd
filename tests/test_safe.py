"""User strings are escaped in HTML, neutralised in spreadsheets and made safe as folder names."""

from __future__ import annotations

import pandas as pd

from cxassess._util.safe import escape_html, neutralise_cell, neutralise_frame, slugify


def test_escape_html():
    assert escape_html("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert escape_html('a "b" & \'c\'') == "a &quot;b&quot; &amp; &#x27;c&#x27;"


def test_neutralise_cells_but_not_numbers():
    assert neutralise_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert neutralise_cell("+1+1") == "'+1+1" and neutralise_cell("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise_cell("-0.25") == "-0.25" and neutralise_cell(-0.25) == -0.25
    frame = neutralise_frame(pd.DataFrame({"=bad": ["=1+1", "ok"]}, index=["-x", "y"]))
    assert list(frame.columns) == ["'=bad"] and list(frame.iloc[:, 0]) == ["'=1+1", "ok"]
    assert list(frame.index) == ["'-x", "y"]


def test_slugs_never_escape_or_collide():
    names = ["../x", "a/b", "CON", "con", "Café", "Cafe", "cafe", "ACME", "acme", "", "..", "a\\b", "a b"]
    slugs = [slugify(n) for n in names]
    assert len(set(slugs)) == len(names)
    for s in slugs:
        assert "/" not in s and "\\" not in s and not s.startswith(".") and s
        assert s.split("-")[0] not in {"con", "prn", "aux", "nul"} or s.startswith("con-client")
    assert slugify("Acme Utilities").startswith("acme-utilities-")
    # a client named like another's folder still gets a folder of its own
    assert slugify(slugify("Acme")) != slugify("Acme") and slugify("acme") != slugify("Acme")
