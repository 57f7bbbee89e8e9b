"""Growth planning's data: the catalog of node models, bought nodes, split clusters and
the grow output directory (MODEL.md "Growth")."""
