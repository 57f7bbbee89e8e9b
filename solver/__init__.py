"""CP-SAT placement models, decompositions and baselines. No I/O here."""
