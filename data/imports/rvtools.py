"""Placeholder while the rvtools importer is written."""

from data.imports.common import Format

FORMAT = Format("rvtools", "rvtools", (), lambda tables, options, report: {})
