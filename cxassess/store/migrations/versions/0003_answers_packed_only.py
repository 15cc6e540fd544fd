"""Answers are kept once, packed (``matrices``): the row-per-answer ``responses`` table goes.

Since 0002 every assessment's answers are in ``matrices`` as well; writing them a second time as
43,000 rows per 1,000-respondent wave was nearly all the cost of adding one. An assessment that
has no packed matrix yet (none should) is packed from its rows first, so no answer is lost.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import json

import numpy as np
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    unpacked = [row[0] for row in conn.execute(sa.text(
        "SELECT id FROM assessments WHERE id NOT IN (SELECT assessment_id FROM matrices) ORDER BY id"))]
    for assessment_id in unpacked:
        item_ids = [row[0] for row in conn.execute(
            sa.text("SELECT item_id FROM items WHERE assessment_id = :a ORDER BY position"), {"a": assessment_id})]
        rows = conn.execute(sa.text("SELECT respondent, item_id, value FROM responses WHERE assessment_id = :a"),
                            {"a": assessment_id}).all()
        people = max((r[0] for r in rows), default=0)
        column = {item: k for k, item in enumerate(item_ids)}
        matrix = np.full((people, len(item_ids)), np.nan)
        for respondent, item, value in rows:
            matrix[respondent - 1, column[item]] = value
        conn.execute(sa.text("INSERT INTO matrices (assessment_id, respondents, item_ids, answers) "
                             "VALUES (:a, :n, :i, :m)"),
                     {"a": assessment_id, "n": people, "i": json.dumps(item_ids), "m": matrix.tobytes()})
    op.drop_index("ix_responses_assessment", table_name="responses")
    op.drop_table("responses")


def downgrade() -> None:
    responses = op.create_table(
        "responses",
        sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("respondent", sa.Integer, nullable=False),
        sa.Column("item_id", sa.String(100), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
    )
    op.create_index("ix_responses_assessment", "responses", ["assessment_id"])
    conn = op.get_bind()
    for assessment_id, people, item_ids, answers in conn.execute(
            sa.text("SELECT assessment_id, respondents, item_ids, answers FROM matrices ORDER BY assessment_id")):
        columns = json.loads(item_ids)
        matrix = np.frombuffer(answers, dtype=np.float64).reshape(people, len(columns))
        rows, cols = np.nonzero(~np.isnan(matrix))
        op.bulk_insert(responses, [{"assessment_id": assessment_id, "respondent": int(r) + 1, "item_id": columns[c],
                                    "value": float(matrix[r, c])} for r, c in zip(rows, cols, strict=True)])
