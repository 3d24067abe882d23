"""Send public page reads to a read replica (DATABASE_REPLICA_URL) and everything else to the primary."""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
_reads_from_replica = ContextVar("reads_from_replica", default=False)


@contextmanager
def replica_reads():
    """Within this block, reads may go to the replica (used for anonymous public GETs)."""
    token = _reads_from_replica.set(True)
    try:
        yield
    finally:
        _reads_from_replica.reset(token)


class PrimaryReplicaRouter:
    """Installed only when DATABASE_REPLICA_URL defines the replica alias (see settings)."""

    def db_for_read(self, model, **hints):
        return REPLICA if _reads_from_replica.get() else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same data: the replica is a copy of the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaReadsMiddleware:
    """Let anonymous GET/HEAD requests for public pages read from the replica.

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
            with replica_reads():
                return self.get_response(request)
        return self.get_response(request)
