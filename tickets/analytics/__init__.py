"""Support analytics: what comes in, how fast it is resolved, what waits, who is overloaded.

Every figure is computed by the database (see `selectors.py` and `aggregates.py`).
"""
