"""Sizing: the cheapest nodes to buy so that each cluster has an N+k plan (MODEL.md
"Growth"). No I/O: the catalog and inventories come in built, answers go out as data."""
