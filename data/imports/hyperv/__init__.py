"""Hyper-V PowerShell Export-Csv files as canonical tables."""
