"""The ``cxassess`` command: a thin layer over the library API."""
