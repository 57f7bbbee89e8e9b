"""What a plan becomes: export tables (JSON, CSV, Parquet) and the PowerShell apply script."""
