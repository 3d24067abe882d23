"""Scale-out settings: read replica routing and object storage for media."""

import subprocess

import pytest

from newsportal.db_router import PrimaryReplicaRouter, replica_reads

from .servers import settings_value


def test_router_reads_from_replica_only_inside_public_requests():
    router = PrimaryReplicaRouter()
    assert router.db_for_read(None) == "default"
    with replica_reads():
        assert router.db_for_read(None) == "replica"
        assert router.db_for_write(None) == "default"
    assert router.db_for_read(None) == "default"
    assert router.allow_migrate("replica", "articles") is False


def test_replica_url_adds_the_alias_router_and_middleware():
    env = {
        "DATABASE_REPLICA_URL": "postgres://reader@replica.internal:5432/newsportal",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    assert settings_value(env, "settings.DATABASES['replica']['HOST']") == "replica.internal"
    assert settings_value(env, "settings.DATABASE_ROUTERS") == "['newsportal.db_router.PrimaryReplicaRouter']"
    assert "ReplicaReadsMiddleware" in settings_value(env, "settings.MIDDLEWARE")


def test_a_replica_without_redis_refuses_to_start():
    # Without a store every server shares, no server could know what the replica has yet to replay.
    env = {"DATABASE_REPLICA_URL": "postgres://reader@replica.internal:5432/newsportal"}
    with pytest.raises(subprocess.CalledProcessError) as failure:
        settings_value(env, "settings.DATABASES")
    assert "DATABASE_REPLICA_URL needs REDIS_URL" in failure.value.stderr


def test_the_replica_pool_waits_briefly_and_opens_no_breaker():
    env = {
        "DATABASE_URL": "postgres://app@primary.internal:5432/newsportal",
        "DATABASE_REPLICA_URL": "postgres://reader@replica.internal:5432/newsportal",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "DB_POOL_SIZE": "8",
    }
    pool = "settings.DATABASES['replica']['OPTIONS']['pool']"
    assert settings_value(env, f"{pool}['timeout']") == "2"
    assert settings_value(env, f"{pool}['check'].__name__") == "check_connection_answers"
    assert settings_value(env, "settings.DATABASES['default']['OPTIONS']['pool']['timeout']") == "10.0"


def test_bucket_name_switches_media_to_object_storage():
    env = {"AWS_STORAGE_BUCKET_NAME": "berita-media", "AWS_S3_ENDPOINT_URL": "https://s3.example.com"}
    assert settings_value(env, "settings.STORAGES['default']['BACKEND']") == "storages.backends.s3.S3Storage"
    assert settings_value(env, "settings.SERVE_MEDIA") == "False"
    assert settings_value({}, "settings.STORAGES['default']['BACKEND']").endswith("FileSystemStorage")
