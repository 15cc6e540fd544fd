"""Running reports: one client or a batch, each in a fresh kernel forked from a warm server."""
