"""Send public page reads to a read replica (DATABASE_REPLICA_URL) and everything else to the primary.

A public request reads from the replica only once it has replayed every recorded
content change (replica_lag.py): decided at the request's first read, so a page
served from the cache, or from fragments alone, asks nothing.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

from .replica_lag import REPLICA, replica_is_current

_public_reads = ContextVar("public_reads", default=None)


class PublicReads:
    """One public request's choice of database for its reads, made once, at its first read."""

    def __init__(self, decide=replica_is_current):
        self.decide = decide
        self.alias = None

    def database(self):
        if self.alias is None:
            self.alias = REPLICA if self.decide() else "default"
        return self.alias


@contextmanager
def public_reads(reads=None):
    """Within this block, reads go to the replica if it has replayed every change (public GETs)."""
    token = _public_reads.set(reads or PublicReads())
    try:
        yield _public_reads.get()
    finally:
        _public_reads.reset(token)


@contextmanager
def replica_reads():
    """Within this block, reads go to the replica whatever it replayed (tests, tools)."""
    with public_reads(PublicReads(decide=lambda: True)) as reads:
        yield reads


class PrimaryReplicaRouter:
    """Installed only when DATABASE_REPLICA_URL defines the replica alias (see settings)."""

    def db_for_read(self, model, **hints):
        reads = _public_reads.get()
        return "default" if reads is None else reads.database()

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same data: the replica is a copy of the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaReadsMiddleware:
    """Let anonymous GET/HEAD requests for public pages read from the replica, once it is current.

    Staff, the admin and every write stay on the primary, so editors always
    read what they just saved.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(("/admin/", "/pratinjau/", "/readyz"))
        ):
            with public_reads() as reads:
                response = self.get_response(request)
            if settings.REPLICA_READS_HEADER and reads.alias is not None:
                # Tests and operators: which database this page was read from.
                response["X-Read-From"] = "replica" if reads.alias == REPLICA else "primary"
            return response
        return self.get_response(request)
