"""Exchange formats: cathlog's JSON records (and, later, CSV, XLSX, FHIR).

Reads through ``cathlog.services``; writes files atomically (``cathlog.fileio``).
"""
