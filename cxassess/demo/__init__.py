"""Deterministic demo data: three fictional organisations and a customer survey."""
