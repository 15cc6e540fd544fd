"""Customer metrics from a survey file: NPS, CSAT and CES with their intervals."""
