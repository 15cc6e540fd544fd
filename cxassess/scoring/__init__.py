"""Scoring, pure functions over DataFrames: dimensions, groups, suppression, one Scores object.

``score`` (the entry points, and the only module that reads a file, through :mod:`cxassess.io`),
``compute`` (the computation), ``matrix`` (the answer matrix and its arithmetic), ``reliability``
(alpha, rwg), ``targets`` (targets against a questionnaire), ``suppression`` and ``result`` (Scores).
"""

__all__ = ["MIN_GROUP_SIZE"]

MIN_GROUP_SIZE = 3
"""The smallest group whose figures are shown, everywhere: scores, metrics, reports, the workshop."""
