"""How long does WeasyPrint take per client report, in process? This code against a baseline commit's, in one run.

The demo clients and ``--clients`` synthetic ones (``bench_batch.make_clients``) are rendered to HTML
by ``cxassess batch --format html``, once with this checkout and once with the baseline's code
(``--baseline``: a worktree of the baseline commit, run with ``PYTHONPATH``). Each converter then
turns HTML into PDF in a warm process (fonts loaded, as in the fork server), ``--reps`` times, rounds
interleaved; the best of the rounds is kept (the figures least disturbed by other work on the machine).

Rows, seconds and CPU-seconds per PDF (mean over the clients of each one's best round):

1. baseline: the baseline's converter on the baseline's HTML;
2. this converter on the baseline's HTML (same pages: the converter's own speed-up);
3. this converter on this HTML with the table estimate off (``fit_tables=False``);
4. this converter on this HTML: what a report's PDF costs now;
5. as 4 without the per-statement answer table: 4 minus 5 is what that table adds.

    .venv/bin/python benchmarks/bench_pdf.py [--clients 6] [--reps 3] [--baseline /tmp/base]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

#: Run in a child process with the code under test first on its path: converts the HTML files given on
#: stdin (JSON: {variants: {name: [[html_path, cut_item_table, keywords], ...]}, reps}), prints the timings.
CONVERTER = r"""
import json, re, sys, time, zlib
from pathlib import Path
from cxassess.report.pdf import html_to_pdf_bytes
job = json.load(sys.stdin)
html_to_pdf_bytes("<html><body><h1>warm</h1><p>up <b>b</b> <i>i</i></p><pre>m</pre><table><tr><td>1</td></tr></table>")
def load(path, cut):
    text = Path(path).read_text(encoding="utf-8")
    return re.sub(r'<table class="cx-table cx-items">.*?</table>', "", text, flags=re.S) if cut else text
def pages(data):
    found = 0
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            found += len(re.findall(rb"/Type\s*/Page(?![s\w])", zlib.decompress(m.group(1))))
        except zlib.error:
            pass
    return found + len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
htmls = {name: [load(path, cut) for path, cut, _ in files] for name, files in job["variants"].items()}
best = {name: [[float("inf"), float("inf"), 0] for _ in files] for name, files in job["variants"].items()}
for _ in range(job["reps"]):
    for name, files in job["variants"].items():
        for k, (_, _, kw) in enumerate(files):
            t, c = time.perf_counter(), time.process_time()
            data = html_to_pdf_bytes(htmls[name][k], **kw)
            t, c = time.perf_counter() - t, time.process_time() - c
            cell = best[name][k]
            cell[0], cell[1], cell[2] = min(cell[0], t), min(cell[1], c), pages(data)
print(json.dumps(best))
"""


def render_html(manifest: Path, out: Path, code: Path) -> list[Path]:
    """``cxassess batch --format html`` with the package found under ``code``: the report HTML files."""
    env = dict(os.environ, PYTHONPATH=str(code))
    subprocess.run([sys.executable, "-m", "cxassess.cli.main", "batch", str(manifest), "--out", str(out),
                    "--format", "html", "--workers", "2"], check=True, capture_output=True, env=env, cwd=code)
    return sorted(out.glob("*/report.html"))


Variant = list[tuple[Path, bool, dict[str, object]]]


def convert(code: Path, variants: dict[str, Variant], reps: int) -> dict[str, list[list[float]]]:
    """Timings (best wall, best CPU, pages) per variant and file, from a warm converter importing ``code``."""
    job = {"reps": reps, "variants": {name: [[str(p), cut, kw] for p, cut, kw in files]
                                      for name, files in variants.items()}}
    env = dict(os.environ, PYTHONPATH=str(code))
    res = subprocess.run([sys.executable, "-c", CONVERTER], input=json.dumps(job), text=True, capture_output=True,
                         check=True, env=env, cwd=code)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    from bench_batch import make_clients

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=6, help="synthetic clients besides the 3 demo ones")
    parser.add_argument("--reps", type=int, default=3, help="rounds per PDF (the best is kept)")
    parser.add_argument("--baseline", type=Path, default=Path("/tmp/base"), help="a worktree of the baseline commit")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        folder = Path(tmp)
        (folder / "clients").mkdir()
        manifests = [ROOT / "data" / "demo" / "manifest.csv"]
        if args.clients:
            manifests.append(make_clients(folder / "clients", args.clients))
        base_html: list[Path] = []
        new_html: list[Path] = []
        for k, manifest in enumerate(manifests):
            base_html += render_html(manifest, folder / f"base{k}", args.baseline)
            new_html += render_html(manifest, folder / f"new{k}", ROOT)
        base = convert(args.baseline, {"baseline": [(p, False, {}) for p in base_html]}, args.reps)
        new = convert(ROOT, {"new on baseline HTML": [(p, False, {}) for p in base_html],
                             "new HTML, tables auto": [(p, False, {"fit_tables": False}) for p in new_html],
                             "new HTML": [(p, False, {}) for p in new_html],
                             "new HTML, no item table": [(p, True, {}) for p in new_html]}, args.reps)
    rows = {**base, **new}
    n = len(base_html)
    ref_wall = sum(r[0] for r in rows["baseline"]) / n
    ref_cpu = sum(r[1] for r in rows["baseline"]) / n
    print(f"{n} reports ({len(manifests[0].read_text().splitlines()) - 1} demo, {args.clients} synthetic), "
          f"best of {args.reps} rounds each; baseline code: {args.baseline}")
    print(f"{'':28s} {'s/PDF':>7s} {'CPU-s':>7s} {'ratio':>6s} {'pages':>6s}")
    for name, cells in rows.items():
        wall = sum(c[0] for c in cells) / n
        cpu = sum(c[1] for c in cells) / n
        pages = sum(c[2] for c in cells) / n
        print(f"{name:28s} {wall:7.3f} {cpu:7.3f} {cpu / ref_cpu:6.2f} {pages:6.1f}")
    item = (sum(c[1] for c in rows["new HTML"]) - sum(c[1] for c in rows["new HTML, no item table"])) / n
    print(f"the per-statement answer table adds {item:.3f} CPU-s per PDF; "
          f"baseline wall {ref_wall:.3f} s/PDF")


if __name__ == "__main__":
    main()
