"""The pool's check of each connection it hands out (newsportal/dbpool.py), against the real server."""

import psycopg
import pytest
from django.db import connection

from newsportal import dbpool

from .servers import wait_until

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the pool is PostgreSQL's")


@pytest.fixture
def server_connection():
    db = connection.settings_dict
    opened = psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname="postgres"
    )
    round_trips = []
    execute = opened.execute

    def counted(query, *args, **kwargs):
        round_trips.append(query)
        return execute(query, *args, **kwargs)

    opened.execute = counted
    yield opened, round_trips
    opened.close()


def test_a_connection_that_just_answered_is_handed_out_without_a_round_trip(server_connection, monkeypatch):
    conn, round_trips = server_connection
    dbpool.check_connection_answers(conn)
    dbpool.check_connection_answers(conn)
    assert len(round_trips) == 1
    monkeypatch.setattr(dbpool, "ANSWERED_RECENTLY_SECONDS", 0)  # as a second later
    dbpool.check_connection_answers(conn)
    assert len(round_trips) == 2


def test_a_connection_the_server_dropped_is_checked_however_recently_it_answered(server_connection):
    conn, round_trips = server_connection
    dbpool.check_connection_answers(conn)
    with psycopg.connect(conn.info.dsn, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [conn.info.backend_pid])
    # The server says goodbye on the connection's socket: that is enough to doubt it.
    wait_until(lambda: not dbpool.answered_recently(conn), message="the termination notice")
    with pytest.raises(psycopg.OperationalError):
        dbpool.check_connection_answers(conn)
    assert len(round_trips) == 2
