"""Output: tables, atomic folders, workbook, HTML report."""
