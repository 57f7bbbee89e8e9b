"""Placeholder while the hyperv importer is written."""

from data.imports.common import Format

FORMAT = Format("hyperv", "hyperv", (), lambda tables, options, report: {})
