"""Spreadsheet import and export: reading/writing CSV and XLSX safely, shared row checks."""
