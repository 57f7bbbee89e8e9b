"""Inventory and plan data: schemas, readers, writers, checker, synthetic fleets."""
