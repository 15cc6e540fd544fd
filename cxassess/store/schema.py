"""The store's tables (SQLAlchemy Core): clients, their assessments, each item's wording, answers and scores.

The answers of an assessment are one packed matrix (respondents x items, float64, NaN for no
answer): a trend reads it in one row, and adding a wave writes one row instead of one per answer.

No column identifies a person: a respondent is a number within one assessment (1, 2, ...), never
the id the responses file gave (which may be an e-mail address or a name), and neither respondent
attributes nor free text are kept. Every row of an assessment hangs off ``assessments`` with
``ON DELETE CASCADE``, and every assessment off its client, so forgetting a client is one delete.
The migrations in :mod:`cxassess.store.migrations` create exactly these tables.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = ["assessments", "clients", "items", "matrices", "metadata", "scores"]

metadata = MetaData()

clients = Table(
    "clients", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("name_key", String(200), nullable=False, unique=True),  # case and spacing ignored
    Column("sector", String(100)),
    Column("size_band", String(50)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

assessments = Table(
    "assessments", metadata,
    Column("id", Integer, primary_key=True),
    Column("client_id", Integer, ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
    Column("wave", String(100), nullable=False),
    Column("assessed_on", Date, nullable=False),
    Column("questionnaire_id", String(100), nullable=False),
    Column("questionnaire_version", String(50), nullable=False),
    Column("scale_min", Integer, nullable=False),
    Column("scale_max", Integer, nullable=False),
    Column("respondents", Integer, nullable=False),
    Column("overall_score", Float),
    Column("responses_digest", String(64), nullable=False),  # the same answers stored again are recognised
    Column("added_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("client_id", "wave", name="uq_assessments_client_wave"),
    Index("ix_assessments_latest", "client_id", "assessed_on", "id"),
)

items = Table(  # each item as it was worded in that assessment: trends compare only identical wording
    "items", metadata,
    Column("assessment_id", Integer, ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("item_id", String(100), nullable=False),
    Column("dimension_id", String(100), nullable=False),
    Column("reverse", Boolean, nullable=False),
    Column("weight", Float, nullable=False),
    Column("fingerprint", String(64), nullable=False),  # sha256 of id, text and reverse flag
)

matrices = Table(  # the validated answers packed, one row per assessment (0002; since 0003 the only copy)
    "matrices", metadata,
    Column("assessment_id", Integer, ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True),
    Column("respondents", Integer, nullable=False),
    Column("item_ids", Text, nullable=False),  # JSON list: the matrix's columns
    Column("answers", LargeBinary, nullable=False),  # float64 respondents x items, C order, NaN = no answer
)

scores = Table(  # dimension scores as the report showed them (whole-assessment figures only, no groups)
    "scores", metadata,
    Column("assessment_id", Integer, ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True),
    Column("dimension_id", String(100), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("score", Float),
    Column("n", Integer, nullable=False),
    Column("sd", Float),
    Column("stage", Integer),
)
