"""How fast are client reports? Seconds per report for four ways of rendering them, in one run.

1. naive CLI loop: ``papermill`` then ``jupyter nbconvert --no-input`` (then ``weasyprint`` for PDF)
   per client, a few clients, extrapolated per report;
2. ``cxassess batch --workers 1`` and 3. ``--workers 2`` over all synthetic clients (wall clock of
   the whole command, start-up included, divided by the number of reports);
4. the in-process floor: the report notebook's code run in this process without a kernel
   (figures drawn as the kernel would: the report's charts as SVG), per report.

HTML only first, then HTML+PDF; then what the PowerPoint deck and Excel workbook add (``--format
html,pptx,xlsx`` against HTML alone, in the batch and in process). Synthetic clients (the demo
generator with varied profiles) are written to a temporary folder; nothing is downloaded.

    .venv/bin/python benchmarks/bench_batch.py [--clients 40] [--naive 3] [--floor 8]
    .venv/bin/python benchmarks/bench_batch.py --html-only [--pdf] [--sizes 16,40] [--baseline /tmp/b]  # vs older code
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "report.ipynb"


def make_clients(folder: Path, n: int, seed: int = 11) -> Path:
    """``n`` synthetic organisations (varied profiles, 20-60 respondents) and a manifest."""
    import numpy as np

    from cxassess.demo.organisations import ORGANISATIONS, DemoOrganisation, generate_organisation
    from cxassess.questionnaire.model import load_questionnaire

    q = load_questionnaire()
    rng = np.random.default_rng(seed)
    rows = ["client,responses,targets,group_by,consultant"]
    shutil.copy(ROOT / "data" / "demo" / "targets.yaml", folder / "targets.yaml")
    for i in range(n):
        base = ORGANISATIONS[i % len(ORGANISATIONS)]
        profile = {d: float(np.clip(v + rng.normal(0, 0.6), 1.2, 4.8)) for d, v in base.profile.items()}
        org = DemoOrganisation(f"Synthetic client {i + 1:03d}", f"synthetic-{i + 1:03d}", int(rng.integers(20, 61)),
                               profile, base.departments, base.sites)
        generate_organisation(org, q, rng).to_csv(folder / f"{org.slug}.csv", index=False)
        rows.append(f"{org.name},{org.slug}.csv,targets.yaml,role;department,Bench Consulting")
    manifest = folder / "manifest.csv"
    manifest.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return manifest


def add_large_client(manifest: Path, respondents: int, seed: int = 5) -> None:
    """Put one client of ``respondents`` respondents first in ``manifest``: sites of uneven size (a long report
    among short ones, what a scheduler must not let hold the others back)."""
    import numpy as np

    from cxassess.demo.organisations import ORGANISATIONS, DemoOrganisation, generate_organisation
    from cxassess.questionnaire.model import load_questionnaire

    base = ORGANISATIONS[0]
    org = DemoOrganisation("Large client", "large", respondents, dict(base.profile), base.departments, base.sites)
    generate_organisation(org, load_questionnaire(), np.random.default_rng(seed)).to_csv(
        manifest.with_name("large.csv"), index=False)
    header, *rows = manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    row = "Large client,large.csv,targets.yaml,role;department,Bench Consulting\n"
    manifest.write_text("".join([header, row, *rows]), encoding="utf-8")


def clients_of(manifest: Path) -> list[dict[str, str]]:
    import csv

    with manifest.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def naive_loop(manifest: Path, out: Path, n: int, pdf: bool) -> float:
    """papermill + jupyter nbconvert (+ weasyprint) CLI calls per client: seconds per report."""
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    cpu0 = _children_cpu()
    for i, row in enumerate(clients_of(manifest)[:n]):
        executed = out / f"client{i}.ipynb"
        subprocess.run([str(BIN / "papermill"), str(NOTEBOOK), str(executed), "--cwd", str(NOTEBOOK.parent),
                        "-p", "client_name", row["client"], "-p", "responses", str(manifest.parent / row["responses"]),
                        "-p", "targets", str(manifest.parent / row["targets"]), "-y", "group_by: [role, department]",
                        "-p", "consultant", row["consultant"], "--no-progress-bar", "--log-level", "ERROR"],
                       check=True, capture_output=True)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
                       check=True, capture_output=True)
        if pdf:
            subprocess.run([str(BIN / "weasyprint"), str(executed.with_suffix(".html")),
                            str(executed.with_suffix(".pdf"))],
                           check=True, capture_output=True)
    CPU[f"naive{'+pdf' if pdf else ''}"] = (_children_cpu() - cpu0) / n
    return (time.perf_counter() - start) / n


#: CPU seconds per report (this process's waited-for children: the commands and everything they started)
CPU: dict[str, float] = {}


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cxassess_batch(manifest: Path, out: Path, workers: int, fmt: str, n: int, executor: str = "auto",
                   code: Path | None = None) -> float:
    """Wall clock of the whole ``cxassess batch`` command, per report (``code``: run that checkout's package instead,
    e.g. a worktree of the baseline commit, with this environment's libraries)."""
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "cxassess.cli.main"] if code else [str(BIN / "cxassess")]
    env = {**os.environ, "PYTHONPATH": str(code)} if code else None
    start = time.perf_counter()
    cpu0 = _children_cpu()
    res = subprocess.run([*command, "batch", str(manifest), "--out", str(out), "--workers", str(workers),
                          "--format", fmt, "--no-progress", "--executor", executor], capture_output=True, text=True,
                         env=env)
    seconds = time.perf_counter() - start
    CPU[f"batch-{executor}-{workers}-{fmt}" + (f"@{code}" if code else "")] = (_children_cpu() - cpu0) / n
    if res.returncode != 0:
        raise SystemExit(f"cxassess batch failed:\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}")
    return seconds / n


def in_process_floor(manifest: Path, n: int, pdf: bool) -> tuple[float, float, float]:
    """The notebook's code without a kernel: (cells, + HTML export, + PDF) seconds per report."""
    import IPython.display as ipd
    from IPython.core.pylabtools import print_figure
    from matplotlib.figure import Figure

    from cxassess.report.notebook import avoid_slow_imports

    avoid_slow_imports()
    import nbformat

    from cxassess.report.export import export_html
    from cxassess.report.notebook import load_notebook, parameterize
    from cxassess.report.pdf import html_to_pdf_bytes
    from cxassess.report.request import ReportRequest

    template = load_notebook(NOTEBOOK)
    rows = clients_of(manifest)[: n + 1]
    t_cells = t_html = t_pdf = 0.0
    outputs: list[list[dict]] = []  # the current client's display outputs, one list per code cell

    def display(*objs, **kw):
        for obj in objs:
            if hasattr(obj, "_repr_svg_"):  # the report's charts show as SVG only
                data = {"image/svg+xml": obj._repr_svg_()}
            elif isinstance(obj, Figure):
                data = {"image/png": __import__("base64").b64encode(
                    print_figure(obj, "png", bbox_inches="tight")).decode()}
            elif hasattr(obj, "_repr_html_"):
                data = {"text/html": obj._repr_html_()}
            else:
                data = {"text/plain": repr(obj)}
            outputs[-1].append(nbformat.v4.new_output("display_data", data=data))

    for k, row in enumerate(rows):  # the first client warms imports and caches, untimed
        req = ReportRequest(client=row["client"], responses=manifest.parent / row["responses"],
                            targets=manifest.parent / row["targets"], group_by=row["group_by"],
                            consultant=row["consultant"])
        nb = parameterize(template, req.parameters())
        outputs.clear()
        ipd.display = display
        ns: dict = {"__name__": "__main__", "display": display}
        t0 = time.perf_counter()
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            outputs.append([])
            exec(compile(cell.source, "<cell>", "exec"), ns)  # noqa: S102 - our own notebook
            cell.outputs = outputs[-1]
        t1 = time.perf_counter()
        html = export_html(nb, client=req.client, consultant=req.consultant)
        t2 = time.perf_counter()
        if pdf:
            html_to_pdf_bytes(html)
        t3 = time.perf_counter()
        if k:
            t_cells += t1 - t0
            t_html += t2 - t1
            t_pdf += t3 - t2
    n = len(rows) - 1
    return t_cells / n, (t_cells + t_html) / n, (t_cells + t_html + t_pdf) / n


def derived_floor(manifest: Path, n: int) -> dict[str, float]:
    """Seconds per report for the deck and the workbook written in process (after one untimed client):
    from the renderer's Scores (``render_report``) and with the re-scoring a batch does (kernel numbers only)."""
    from cxassess.report.formats import warm_derived, write_derived
    from cxassess.report.request import ReportRequest, scores_document, validate_request

    warm_derived(("pptx", "xlsx"))
    times = {"pptx": 0.0, "xlsx": 0.0, "pptx+xlsx": 0.0, "pptx+xlsx CPU": 0.0, "pptx+xlsx, re-scored": 0.0}
    rows = clients_of(manifest)[: n + 1]
    with tempfile.TemporaryDirectory(prefix="cxassess-derived-") as tmp:
        for k, row in enumerate(rows):
            req = ReportRequest(client=row["client"], responses=manifest.parent / row["responses"],
                                targets=manifest.parent / row["targets"], group_by=row["group_by"],
                                consultant=row["consultant"])
            scores = validate_request(req)
            doc = scores_document(req, scores, req.parameters())
            for fmt in ("pptx", "xlsx"):
                t0 = time.perf_counter()
                write_derived((fmt,), doc, Path(tmp), request=req, scores=scores)
                if k:
                    times[fmt] += time.perf_counter() - t0
            t0, c0 = time.perf_counter(), time.process_time()
            write_derived(("pptx", "xlsx"), doc, Path(tmp), request=req, scores=scores)  # as the renderer does
            if k:
                times["pptx+xlsx CPU"] += time.process_time() - c0
                times["pptx+xlsx"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            write_derived(("pptx", "xlsx"), doc, Path(tmp), request=req)
            if k:
                times["pptx+xlsx, re-scored"] += time.perf_counter() - t0
    return {key: value / max(len(rows) - 1, 1) for key, value in times.items()}


def subset_manifest(manifest: Path, n: int) -> Path:
    """The first ``n`` clients of ``manifest``, beside it."""
    lines = manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    path = manifest.with_name(f"manifest-{n}.csv")
    path.write_text("".join(lines[: n + 1]), encoding="utf-8")
    return path


def dask_against_local(manifest: Path, work: Path, sizes: list[int], keep: bool, baseline: Path | None = None,
                       repeat: int = 1, workers_list: tuple[int, ...] = (1, 2)) -> int:
    """HTML reports: the local executor and an embedded Dask cluster, 1 and 2 workers each, whole commands,
    for each number of clients in ``sizes``, ``repeat`` rounds alternating (the best of each is kept: this
    machine's speed drifts by 10-15% within minutes); from the smallest and the largest, each run's cost per
    report once started (the slope) and fixed per run (start-up and shut-down: the intercept). ``baseline``: a
    checkout of older code whose Dask batch at 2 workers runs beside, in the same rounds (before/after)."""
    r: dict[str, float] = {}
    runs: list[tuple[str, int, Path | None]] = [
        (executor, workers, None) for workers in workers_list for executor in ("local", "dask")]
    if baseline is not None:
        runs.append(("dask", 2, baseline.resolve()))

    def name(executor: str, workers: int, code: Path | None) -> str:
        return f"{executor}{' (baseline)' if code else ''} --workers {workers}"

    rounds: dict[tuple[int, int], dict[str, float]] = {}  # (clients, round) -> {run: s/report}
    for n in sizes:
        subset = subset_manifest(manifest, n)
        for round_ in range(1, repeat + 1):
            for executor, workers, code in runs:
                key = f"{name(executor, workers, code)}, {n} clients"
                seconds = cxassess_batch(subset, work / f"{executor}-{workers}", workers, "html", n,
                                         executor=executor, code=code)
                cpu = CPU[f"batch-{executor}-{workers}-html" + (f"@{code}" if code else "")]
                if seconds < r.get(key, float("inf")):
                    r[key], r[f"{key} CPU"] = seconds, cpu
                rounds.setdefault((n, round_), {})[name(executor, workers, code)] = seconds
                print(f"[HTML] round {round_}, cxassess batch --executor {key}: {seconds:.3f} s/report, "
                      f"{cpu:.3f} CPU-s/report (load {os.getloadavg()[0]:.1f})", flush=True)
    print(f"\nload average after: {os.getloadavg()[0]:.2f} (other work on the machine inflates wall-clock figures)")
    dasks = [(name("dask", w, code), name("local", w, None)) for executor, w, code in runs if executor == "dask"]
    for n in sizes:
        for dask_name, local_name in dasks:
            local, dask = r[f"{local_name}, {n} clients"], r[f"{dask_name}, {n} clients"]
            print(f"{n} clients, {dask_name}: {dask:.3f} s/report against local {local:.3f}: "
                  f"{(dask / local - 1) * 100:+.0f}% (start-up included; goal under +10% at 2 workers); CPU "
                  f"{r[f'{dask_name}, {n} clients CPU']:.3f} against {r[f'{local_name}, {n} clients CPU']:.3f} "
                  f"CPU-s/report")
            paired = sorted(v[dask_name] / v[local_name] for (m, _), v in rounds.items() if m == n)
            r[f"{dask_name}, {n} clients, median paired ratio"] = statistics.median(paired)
            print(f"    paired by round (Dask against the local run just before it): median "
                  f"{(statistics.median(paired) - 1) * 100:+.0f}%, rounds "
                  + ", ".join(f"{(x - 1) * 100:+.0f}%" for x in paired))
    small, large = min(sizes), max(sizes)
    if large > small:
        print(f"\nfrom {small} and {large} clients: per report once started (slope), fixed per run (intercept)")
        for executor, workers, code in runs:
            for unit, suffix in (("s", ""), ("CPU-s", " CPU")):
                t1 = r[f"{name(executor, workers, code)}, {small} clients{suffix}"] * small
                t2 = r[f"{name(executor, workers, code)}, {large} clients{suffix}"] * large
                slope = (t2 - t1) / (large - small)
                r[f"{name(executor, workers, code)} per report{suffix}"] = slope
                r[f"{name(executor, workers, code)} fixed{suffix}"] = t1 - slope * small
                print(f"  {name(executor, workers, code)}: {slope:.3f} {unit}/report + {t1 - slope * small:.2f} {unit}")
        for dask_name, local_name in dasks:
            local, dask = r[f"{local_name} per report"], r[f"{dask_name} per report"]
            print(f"{dask_name}, once started: {dask:.3f} s/report against local {local:.3f}: "
                  f"{(dask / local - 1) * 100:+.0f}%; fixed: Dask {r[f'{dask_name} fixed']:.2f} s "
                  f"against local {r[f'{local_name} fixed']:.2f} s")
    (work / "results-dask.json").write_text(json.dumps(r, indent=2), encoding="utf-8")
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def html_against_baseline(work: Path, args: argparse.Namespace) -> int:
    """HTML (``--pdf``: HTML+PDF) ``batch --workers 2`` of this code (and of ``--baseline``) for each of ``--sizes``
    clients, alternating, best of ``--repeat``; then the in-process floor.

    CPU-s/report counts the driver, the fork server and every kernel (the children this script waited for):
    other work on the machine inflates wall clock much more than it does CPU time."""
    fmt, label_fmt = ("html,pdf", "HTML+PDF") if args.pdf else ("html", "HTML")
    codes: list[tuple[str, Path | None]] = [("this code", None)]
    if args.baseline:
        codes.append(("baseline", args.baseline.resolve()))
    best: dict[tuple[int, str], tuple[float, float]] = {}
    for n in sorted({int(n) for n in args.sizes.split(",") if n.strip()}):
        folder = work / f"in-{n}"
        folder.mkdir(exist_ok=True)
        manifest = make_clients(folder, n)  # the same seed: the first n of the largest set
        for run in range(args.repeat):
            for label, code in codes:
                wall = cxassess_batch(manifest, work / "batch-html", 2, fmt, n, code=code)
                cpu = CPU[f"batch-auto-2-{fmt}" + (f"@{code}" if code else "")]
                print(f"[{label_fmt}] {n} clients, run {run + 1}, {label}: cxassess batch --workers 2: "
                      f"{wall:.3f} s/report, {cpu:.3f} CPU-s/report (load {os.getloadavg()[0]:.2f})", flush=True)
                best[n, label] = min(best.get((n, label), (wall, cpu)), (wall, cpu))
    cells, with_html, with_pdf = in_process_floor(work / "in" / "manifest.csv", args.floor, args.pdf)
    print(f"[{label_fmt}] in-process floor ({args.floor} clients): notebook cells {cells:.3f}, +HTML {with_html:.3f}"
          + (f", +PDF {with_pdf:.3f}" if args.pdf else "") + " s/report")
    floor = with_pdf if args.pdf else with_html
    print(f"\nload average after: {os.getloadavg()[0]:.2f} (other work on the machine inflates wall-clock figures)")
    for (n, label), (wall, cpu) in best.items():
        print(f"{n:>3} clients, {label:<10} best {wall:.3f} s/report = {wall / floor:.2f}x the in-process floor "
              f"{'' if args.pdf else '(goal 1.5x)'}, {cpu:.3f} CPU-s/report")
        if args.baseline and label == "baseline":
            new_wall, new_cpu = best[n, "this code"]
            print(f"{n:>3} clients, this code against the baseline: {new_wall / wall:.2f}x wall, "
                  f"{new_cpu / cpu:.2f}x CPU")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=40, help="synthetic clients for the batch runs (default 40)")
    parser.add_argument("--naive", type=int, default=3, help="clients for the naive CLI loop, extrapolated (default 3)")
    parser.add_argument("--floor", type=int, default=8,
                        help="clients for the in-process floor, after one untimed (default 8)")
    parser.add_argument("--launch", action="store_true",
                        help="also time --executor launch (plain kernels) on 2 workers")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep the outputs")
    parser.add_argument("--baseline", metavar="DIR", type=Path,
                        help="a checkout of older code (e.g. a worktree of the baseline commit): with --executor "
                             "dask, its Dask batch at 2 workers runs beside; with --html-only, "
                             "its HTML batch --workers 2 runs in the same run, alternating with this code's")
    parser.add_argument("--html-only", action="store_true",
                        help="only HTML: batch --workers 2 (and the --baseline's) for each of --sizes, --repeat times "
                             "alternating (the best run of each is reported), and the in-process floor")
    parser.add_argument("--pdf", action="store_true",
                        help="with --html-only: render HTML+PDF instead (issue 13's budget: within 10%% of --baseline)")
    parser.add_argument("--sizes", default="16,40", metavar="N,M", help="with --html-only: numbers of clients")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each command with --html-only or --executor dask, alternating (default 3)")
    parser.add_argument("--executor", choices=["local", "dask"], default="local",
                        help="dask: HTML reports on an embedded Dask cluster of 1 and 2 workers beside the local "
                             "executor's --workers 1 and 2, in one run (and nothing else)")
    parser.add_argument("--dask-sizes", default="24,48", metavar="N,M",
                        help="with --executor dask: the numbers of clients to run (default 24,48; from two, the "
                             "cost per report once started and the fixed cost per run)")
    parser.add_argument("--dask-workers", default="1,2", metavar="N,M",
                        help="with --executor dask: the numbers of workers (default 1,2)")
    parser.add_argument("--uneven", type=int, default=0, metavar="N",
                        help="with --executor dask: the first client has N respondents (e.g. 120000: a report "
                             "~10x as long as the others), as sites of uneven size")
    args = parser.parse_args()

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cxassess-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    (work / "in").mkdir(exist_ok=True)
    sizes = sorted({int(n) for n in args.dask_sizes.split(",") if n.strip()})
    if args.executor == "dask":
        args.clients = max(sizes)
    if args.html_only:
        args.clients = max(int(n) for n in args.sizes.split(",") if n.strip())
    manifest = make_clients(work / "in", args.clients - (1 if args.uneven else 0))
    if args.uneven:
        add_large_client(manifest, args.uneven)
    print(f"{args.clients} synthetic clients in {work / 'in'}; {os.cpu_count()} CPUs; "
          f"load average before: {os.getloadavg()[0]:.2f}", flush=True)

    if args.executor == "dask":
        return dask_against_local(manifest, work, sizes, keep=bool(args.keep), baseline=args.baseline,
                                  repeat=args.repeat,
                                  workers_list=tuple(int(w) for w in args.dask_workers.split(",") if w.strip()))
    if args.html_only:
        return html_against_baseline(work, args)

    results: dict[str, dict[str, float]] = {}
    for fmt, pdf in (("html", False), ("html,pdf", True)):
        label = "HTML+PDF" if pdf else "HTML"
        r: dict[str, float] = {}
        r["naive CLI loop"] = naive_loop(manifest, work / f"naive-{'pdf' if pdf else 'html'}", args.naive, pdf)
        print(f"[{label}] naive CLI loop ({args.naive} clients): {r['naive CLI loop']:.2f} s/report, "
              f"{CPU['naive+pdf' if pdf else 'naive']:.2f} CPU-s/report", flush=True)
        for workers in (1, 2):
            key = f"cxassess batch --workers {workers}"
            r[key] = cxassess_batch(manifest, work / f"batch-{workers}", workers, fmt, args.clients)
            print(f"[{label}] {key} ({args.clients} clients): {r[key]:.3f} s/report, "
                  f"{CPU[f'batch-auto-{workers}-{fmt}']:.3f} CPU-s/report", flush=True)
        if args.launch:
            key = "cxassess batch --workers 2 --executor launch"
            r[key] = cxassess_batch(manifest, work / "batch-launch", 2, fmt, args.clients, executor="launch")
            print(f"[{label}] {key}: {r[key]:.3f} s/report", flush=True)
        cells, with_html, with_pdf = in_process_floor(manifest, args.floor, pdf)
        r["in-process floor"] = with_pdf if pdf else with_html
        print(f"[{label}] in-process floor ({args.floor} clients): notebook cells {cells:.3f}, "
              f"+HTML {with_html:.3f}" + (f", +PDF {with_pdf:.3f}" if pdf else "") + " s/report", flush=True)
        results[label] = r

    # what the deck and the workbook add (goal: under 0.15 s per report), against HTML alone in this run
    key = "cxassess batch --workers 2"
    with_office = cxassess_batch(manifest, work / "batch-office", 2, "html,pptx,xlsx", args.clients)
    added = with_office - results["HTML"][key]
    print(f"[HTML+PPTX+XLSX] {key} ({args.clients} clients): {with_office:.3f} s/report, "
          f"{added:+.3f} s/report against HTML alone, "
          f"{CPU['batch-auto-2-html,pptx,xlsx'] - CPU['batch-auto-2-html']:+.3f} CPU-s/report", flush=True)
    floor = derived_floor(manifest, args.floor)
    print(f"[PPTX+XLSX] in process ({args.floor} clients): pptx {floor['pptx']:.3f}, xlsx {floor['xlsx']:.3f}; both "
          f"in one call as the renderer makes it {floor['pptx+xlsx']:.3f} s/report, "
          f"{floor['pptx+xlsx CPU']:.3f} CPU-s/report; {floor['pptx+xlsx, re-scored']:.3f} s/report when the "
          "responses are scored again (a kernel that hands over no objects) (goal < 0.15)", flush=True)
    print(f"\nload average after: {os.getloadavg()[0]:.2f} (other work on the machine inflates wall-clock figures;"
          " CPU-s/report does not depend on it)")
    print(f"{'seconds per report':<46}{'HTML':>10}{'HTML+PDF':>10}")
    for key in results["HTML"]:
        print(f"{key:<46}{results['HTML'][key]:>10.3f}{results['HTML+PDF'][key]:>10.3f}")
    for label in ("HTML", "HTML+PDF"):
        r = results[label]
        w2 = r["cxassess batch --workers 2"]
        print(f"{label}: batch --workers 2 = {w2 / r['in-process floor']:.2f}x the in-process floor, "
              f"{r['naive CLI loop'] / w2:.1f}x faster than the naive CLI loop")
    (work / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
