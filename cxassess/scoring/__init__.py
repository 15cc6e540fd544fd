"""Scoring, pure functions over DataFrames: dimensions, groups, suppression, one Scores object."""
