"""The questionnaire as data: load and validate it, print or export it."""
