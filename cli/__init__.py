"""The hvplace command line: thin typer adapters."""
