"""Ticket classification and similarity: plain Python, no Django import.

The Django apps call into this package; nothing here knows about models,
settings or the database, so every piece is testable on its own.
"""
