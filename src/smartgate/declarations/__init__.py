"""Declarations: trip pre-declarations, their goods lines and containers, and their history."""
