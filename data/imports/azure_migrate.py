"""Placeholder while the azure_migrate importer is written."""

from data.imports.common import Format

FORMAT = Format("azure-migrate", "azure_migrate", (), lambda tables, options, report: {})
