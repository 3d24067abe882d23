"""Which database a public request reads: the replica only once it replayed every recorded change.

The real thing, with a lagging streaming replica, is tests/test_replica_live.py.
"""

import pytest
from django.conf import settings
from django.db import connection

from newsportal import replica_lag
from newsportal.db_router import PrimaryReplicaRouter, PublicReads, public_reads
from newsportal.replica_lag import REPLICA_STATE, lsn_position, replica_is_current


class FakeReplica:
    def __init__(self):
        self.answers = True
        self.replayed = "0/0"
        self.questions = 0

    def ensure_connection(self):
        if not self.answers:
            raise OSError("replica gone")


@pytest.fixture
def replica(monkeypatch):
    fake = FakeReplica()
    changes = {"latest": 0}

    def replay_position(_connection):
        fake.questions += 1
        fake.ensure_connection()
        return None if fake.replayed is None else lsn_position(fake.replayed)

    def latest_change():
        if changes["latest"] is None:
            raise ConnectionError("redis gone")
        return changes["latest"]

    monkeypatch.setattr(replica_lag, "connections", {"replica": fake})
    monkeypatch.setattr(replica_lag, "replay_position", replay_position)
    monkeypatch.setattr(replica_lag, "latest_change", latest_change)
    fake.changes = changes
    REPLICA_STATE.reset()
    yield fake
    REPLICA_STATE.reset()


def test_positions_compare_as_postgresql_compares_lsns():
    assert lsn_position("0/0") == 0
    assert lsn_position("16/B374D848") == (0x16 << 32) + 0xB374D848
    assert lsn_position("0/FFFFFFFF") < lsn_position("1/0") < lsn_position("1/10")


def test_a_replica_behind_the_newest_change_is_not_read(replica):
    replica.changes["latest"] = lsn_position("1/200")
    replica.replayed = "1/100"
    assert replica_is_current() is False
    replica.replayed = "1/200"
    assert replica_is_current() is True


def test_once_caught_up_the_replica_is_not_asked_again_until_the_next_change(replica):
    replica.changes["latest"] = lsn_position("1/200")
    replica.replayed = "1/300"
    assert replica_is_current() and replica_is_current() and replica_is_current()
    assert replica.questions == 1
    replica.changes["latest"] = lsn_position("1/400")
    assert replica_is_current() is False
    assert replica.questions == 2


def test_without_changes_recorded_the_replica_is_read_without_a_question(replica):
    assert replica_is_current() is True
    assert replica.questions == 0


def test_unknown_means_the_primary(replica):
    replica.changes["latest"] = lsn_position("1/200")
    replica.replayed = None  # not a standby
    assert replica_is_current() is False
    replica.changes["latest"] = None  # Redis cannot say
    assert replica_is_current() is False


def test_a_lost_replica_is_tried_once_per_cool_down(replica):
    replica.changes["latest"] = lsn_position("1/200")
    replica.answers = False
    assert replica_is_current() is False
    assert replica_is_current() is False
    assert replica.questions == 1  # the second request went to the primary without trying
    replica.answers = True
    REPLICA_STATE.unreachable_until = 0  # the cool-down is over
    replica.replayed = "1/200"
    assert replica_is_current() is True


def test_a_request_decides_once_at_its_first_read():
    decisions = []
    router = PrimaryReplicaRouter()
    with public_reads(PublicReads(decide=lambda: decisions.append(1) or True)) as reads:
        assert reads.alias is None  # nothing read yet: nothing asked
        assert router.db_for_read(None) == "replica"
        assert router.db_for_read(None) == "replica"
    assert decisions == [1]
    with public_reads(PublicReads(decide=lambda: False)):
        assert router.db_for_read(None) == "default"
        assert router.db_for_write(None) == "default"


@pytest.mark.django_db
@pytest.mark.skipif(
    not settings.REDIS_URL or connection.vendor != "postgresql", reason="needs PostgreSQL and REDIS_URL"
)
def test_a_change_records_the_primarys_position_and_never_lowers_it(monkeypatch):
    monkeypatch.setattr(replica_lag, "replica_configured", lambda: True)
    client = replica_lag.redis_client()
    client.delete(replica_lag.position_key())
    replica_lag.note_primary_change()
    recorded = replica_lag.latest_change()
    assert recorded > 0
    client.eval(replica_lag.RECORD_HIGHEST, 1, replica_lag.position_key(), recorded - 1)
    assert replica_lag.latest_change() == recorded
    client.eval(replica_lag.RECORD_HIGHEST, 1, replica_lag.position_key(), recorded + 1)
    assert replica_lag.latest_change() == recorded + 1
    client.delete(replica_lag.position_key())
