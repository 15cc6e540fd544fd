"""The client report: narrative, charts, action plan, the parameterised notebook, HTML and PDF."""
