"""Setting up a lab's PostgreSQL server (issue 17, docs/multi-room.md): the lab's IT installs or updates
cathlog's schema there, connected as the **owner** role, and names the runtime role the workstations
connect as (which then may only read and append the record). No cathlog user signs in for it: the owner
role's own credentials are what allows it, and the schema's rows are not patient data."""

from __future__ import annotations

from cathlog.paths import is_server_url
from cathlog.store.pg import schema as pg_schema


def install_schema(url: str, runtime_role: str) -> int:
    """Make or update the schema at ``url`` (the owner role's URL); the schema version it is at now."""
    if not is_server_url(url):
        raise ValueError("the schema is installed on a PostgreSQL server: give a postgresql:// URL")
    return pg_schema.install_at(url, runtime_role=runtime_role)
