"""RVTools workbooks and per-tab CSVs as canonical tables."""
