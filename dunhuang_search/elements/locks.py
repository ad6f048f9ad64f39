"""PostgreSQL advisory locks: one process indexes a mural at a time, across hosts too.

The lock is session-level on the process's connection, so it is released when the mural is
done, and by PostgreSQL itself when the process dies or its connection drops.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connection

# The first key of the two-key advisory lock: "index" in ASCII, so that other locks of the
# project (or of other programs on a shared server) use other namespaces.
INDEX_NAMESPACE = 0x696E6478


@contextlib.contextmanager
def mural_index_lock(mural_id: int) -> Iterator[bool]:
    """Yield whether this process now holds the mural's indexing lock (False: another does)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [INDEX_NAMESPACE, mural_id])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held and connection.connection is not None and not connection.connection.closed:
            with contextlib.suppress(Exception), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [INDEX_NAMESPACE, mural_id])
