"""Scoring, pure functions over DataFrames: dimensions, groups, suppression, one Scores object."""

MIN_GROUP_SIZE = 3
"""The smallest group whose figures are shown, everywhere: scores, metrics, reports, the workshop."""
