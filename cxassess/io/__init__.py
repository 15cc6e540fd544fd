"""Reading answers: every file kind, survey-tool exports, value labels, into one validated Responses."""
