"""Pieces every context shares: errors, clock, unit of work."""
