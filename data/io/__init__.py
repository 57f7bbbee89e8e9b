"""Reading and writing: CSV text, cells, readers, the inventory builder, writers, atomic output."""
