"""Storage on SQLite through sqlite-utils: the only package that knows SQL.

``db`` opens the file and owns the write transaction; ``schema`` holds the
migrations (their bodies in ``migration_steps``); ``records``, ``users`` and
``audit`` are the query functions the services call. A server database would replace these modules, nothing above.
"""
