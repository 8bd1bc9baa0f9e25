"""Importing people, attendance, activities and survey answers from CSV or Excel: all rows or none."""

from copflow.services.imports.reader import FileRefused, ImportRejected, Problem

__all__ = ["FileRefused", "ImportRejected", "Problem"]
