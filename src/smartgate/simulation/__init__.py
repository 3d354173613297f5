"""Capacity-planning simulator: a small discrete-event kernel and a border-gate model."""
