"""Plumbing every layer may use: where the bundled files are, safe strings, strict YAML."""
