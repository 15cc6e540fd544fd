"""Assessment history: every scored assessment kept in a database, for trends and benchmarks."""
