"""Batch scoring of letters and rationale tables: the scorer, its worker processes, and the
output writers (atomic files, a journal to resume from)."""
