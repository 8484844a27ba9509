"""Bulk import of case files from a spreadsheet export of the enforcement information system (see cases.py)."""
