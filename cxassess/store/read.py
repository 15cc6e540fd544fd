"""Reading the store: the clients, one client's waves (with or without their answers), an export.

Nothing here writes. Lookups by client name ignore case and spacing (as :func:`~cxassess.store.write.add_wave`
compares names), so ``store show "acme utilities"`` finds *Acme Utilities*.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, select

from cxassess._util.files import write_text
from cxassess._util.safe import csv_text
from cxassess.errors import StoreError, StoreNotFoundError
from cxassess.store.database import Store
from cxassess.store.schema import assessments, clients, items, matrices, scores
from cxassess.store.waves import DimensionScore, ItemInfo, Wave
from cxassess.store.write import find_client

__all__ = ["client_summaries", "client_waves", "export_client", "wave_table"]


def client_summaries(store: Store) -> pd.DataFrame:
    """One row per client: name, sector, size band, waves, latest wave and its date."""
    latest = _latest_assessments()
    with store.read() as conn:
        per_client = select(assessments.c.client_id, func.count()).group_by(assessments.c.client_id)
        counts: dict[int, int] = {row[0]: row[1] for row in conn.execute(per_client)}
        last = {row.client_id: row for row in conn.execute(
            select(latest.c.client_id, latest.c.wave, latest.c.assessed_on))}
        rows = [{"client": c.name, "sector": c.sector or "", "size_band": c.size_band or "",
                 "waves": counts.get(c.id, 0),
                 "latest_wave": last[c.id].wave if c.id in last else "",
                 "latest_date": last[c.id].assessed_on.isoformat() if c.id in last else ""}
                for c in conn.execute(select(clients).order_by(clients.c.name_key))]
    return pd.DataFrame(rows, columns=["client", "sector", "size_band", "waves", "latest_wave", "latest_date"])


def _latest_assessments() -> Any:
    """Each client's latest assessment (by date, then by the order stored): a subquery on the latest index."""
    newer = assessments.alias("newer")
    later = (select(newer.c.id).where(newer.c.client_id == assessments.c.client_id)
             .where((newer.c.assessed_on > assessments.c.assessed_on)
                    | ((newer.c.assessed_on == assessments.c.assessed_on) & (newer.c.id > assessments.c.id))))
    return select(assessments).where(~later.exists()).subquery("latest")


def _client_or_fail(conn: Connection, store: Store, name: str) -> Any:
    found = find_client(conn, name)
    if found is None:
        raise StoreNotFoundError(f"{store.where}: no client {name!r} in the store (see cxassess store list)")
    return found


def client_waves(store: Store, client: str, *, answers: bool = True, must_exist: bool = True
                 ) -> tuple[Any, list[Wave]]:
    """The client's row and its waves, oldest first (by date, then order stored); with their answers if asked."""
    with store.read() as conn:
        found = _client_or_fail(conn, store, client) if must_exist else find_client(conn, client)
        if found is None:
            return None, []
        rows = conn.execute(select(assessments).where(assessments.c.client_id == found.id)
                            .order_by(assessments.c.assessed_on, assessments.c.id)).all()
        ids = [r.id for r in rows]
        item_rows: dict[int, list[ItemInfo]] = {i: [] for i in ids}
        for r in conn.execute(select(items).where(items.c.assessment_id.in_(ids))
                              .order_by(items.c.assessment_id, items.c.position)):
            item_rows[r.assessment_id].append(ItemInfo(r.item_id, r.dimension_id, bool(r.reverse), float(r.weight),
                                                       r.fingerprint))
        dim_rows: dict[int, list[DimensionScore]] = {i: [] for i in ids}
        for r in conn.execute(select(scores).where(scores.c.assessment_id.in_(ids))
                              .order_by(scores.c.assessment_id, scores.c.position)):
            dim_rows[r.assessment_id].append(DimensionScore(r.dimension_id, r.name, r.score, int(r.n), r.sd, r.stage))
        packed = _matrices(conn, ids, item_rows) if answers and ids else {}
    waves = []
    for r in rows:
        matrix = packed.get(r.id, np.empty((0, len(item_rows[r.id]))))
        waves.append(Wave(r.wave, r.assessed_on, r.questionnaire_id, r.questionnaire_version, r.scale_min,
                          r.scale_max, r.respondents, item_rows[r.id], dim_rows[r.id], r.overall_score,
                          matrix, digest=r.responses_digest, stored=True))
    return found, waves


def _matrices(conn: Connection, ids: list[int], item_rows: dict[int, list[ItemInfo]]) -> dict[int, np.ndarray]:
    """Each assessment's packed answers, columns in the order of its items."""
    out = {}
    for r in conn.execute(select(matrices).where(matrices.c.assessment_id.in_(ids))):
        columns = json.loads(r.item_ids)
        matrix = np.frombuffer(r.answers, dtype=np.float64).reshape(r.respondents, len(columns))
        order = [columns.index(i.item_id) for i in item_rows[r.assessment_id]]
        out[r.assessment_id] = matrix[:, order]
    return out


def wave_table(waves: list[Wave]) -> pd.DataFrame:
    """One row per wave and dimension (plus the overall score): what ``store show`` and ``store export`` give."""
    rows: list[dict[str, Any]] = []
    for w in waves:
        base = {"wave": w.label, "date": w.assessed_on.isoformat(), "questionnaire": w.questionnaire_id,
                "version": w.questionnaire_version, "respondents": w.respondents}
        rows.append({**base, "dimension": "overall", "name": "Overall", "score": w.overall_score, "n": w.respondents,
                     "sd": None, "stage": None})
        rows += [{**base, "dimension": d.dimension_id, "name": d.name, "score": d.score, "n": d.n, "sd": d.sd,
                  "stage": d.stage} for d in w.dimensions]
    return pd.DataFrame(rows, columns=["wave", "date", "questionnaire", "version", "respondents", "dimension", "name",
                                       "score", "n", "sd", "stage"])


def export_client(store: Store, client: str, out: str | Path) -> dict[str, Any]:
    """Write the client's assessments and scores to ``out`` (``.csv`` or ``.json``); no answers, no identities."""
    out = Path(out)
    kind = out.suffix.lower()
    if kind not in (".csv", ".json"):
        raise StoreError(f"{out}: export writes .csv or .json, not {kind or 'a file without extension'}")
    found, waves = client_waves(store, client, answers=False)
    table = wave_table(waves)
    if kind == ".csv":
        frame = table.copy()
        frame.insert(0, "client", found.name)
        frame.insert(1, "sector", found.sector or "")
        write_text(out, csv_text(frame))
    else:
        doc = {"client": found.name, "sector": found.sector, "size_band": found.size_band,
               "assessments": [{"wave": w.label, "date": w.assessed_on.isoformat(),
                                "questionnaire": {"id": w.questionnaire_id, "version": w.questionnaire_version},
                                "respondents": w.respondents, "overall_score": w.overall_score,
                                "dimensions": {d.dimension_id: {"name": d.name, "score": d.score, "n": d.n,
                                                                "sd": d.sd, "stage": d.stage} for d in w.dimensions}}
                               for w in waves]}
        write_text(out, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return {"client": found.name, "waves": len(waves), "out": out}
