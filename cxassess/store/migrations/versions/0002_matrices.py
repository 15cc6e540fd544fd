"""Each assessment's answers also packed as one matrix (respondents x items), so a trend reads three
rows instead of a hundred thousand; existing assessments are packed from their stored answers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import json

import numpy as np
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    matrices = op.create_table(
        "matrices",
        sa.Column("assessment_id", sa.Integer, sa.ForeignKey("assessments.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("respondents", sa.Integer, nullable=False),
        sa.Column("item_ids", sa.Text, nullable=False),
        sa.Column("answers", sa.LargeBinary, nullable=False),
    )
    conn = op.get_bind()
    assessment_ids = [row[0] for row in conn.execute(sa.text("SELECT id FROM assessments ORDER BY id"))]
    for assessment_id in assessment_ids:
        item_ids = [row[0] for row in conn.execute(
            sa.text("SELECT item_id FROM items WHERE assessment_id = :a ORDER BY position"), {"a": assessment_id})]
        rows = conn.execute(sa.text("SELECT respondent, item_id, value FROM responses WHERE assessment_id = :a"),
                            {"a": assessment_id}).all()
        people = max((r[0] for r in rows), default=0)
        column = {item: k for k, item in enumerate(item_ids)}
        matrix = np.full((people, len(item_ids)), np.nan)
        for respondent, item, value in rows:
            matrix[respondent - 1, column[item]] = value
        op.bulk_insert(matrices, [{"assessment_id": assessment_id, "respondents": people,
                                   "item_ids": json.dumps(item_ids), "answers": matrix.tobytes()}])


def downgrade() -> None:
    op.drop_table("matrices")
