"""cathlog's domain: the record (``records``), its vocabularies (``enums``),
its data dictionary (``fields``), drug limits (``drugs``) and safe quantity
formatting (``units``).

Pure Python: nothing here imports the rest of cathlog, Qt or ReportLab.
"""
