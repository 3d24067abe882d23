"""The PostgreSQL triggers that keep search_vector current, and the configuration they index with.

Migration 0003_discovery_search installed its own frozen copy; this one is
what `migrate` (when ARTICLES_SEARCH_CONFIG changes) and `search_reindex`
install today.
"""

import re

from django.core.exceptions import ImproperlyConfigured

from .postgres import search_config, uses_postgres_search

_CONFIG_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]*$")

TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION articles_search_document(
    article_id bigint, kicker text, headline text, dek text, body text
) RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT
        setweight(to_tsvector(articles_search_config(), coalesce(headline, '')), 'A')
        || setweight(to_tsvector(articles_search_config(), coalesce(kicker, '') || ' ' || coalesce((
            SELECT string_agg(tag.name, ' ')
            FROM articles_taggedarticle tagged
            JOIN taggit_tag tag ON tag.id = tagged.tag_id
            WHERE tagged.content_object_id = article_id
        ), '')), 'B')
        || setweight(to_tsvector(articles_search_config(), coalesce(dek, '')), 'B')
        -- The default parser skips HTML tags and entities, so the stored body needs no stripping.
        || setweight(to_tsvector(articles_search_config(), coalesce(body, '')), 'C')
$$;

CREATE OR REPLACE FUNCTION articles_article_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := articles_search_document(NEW.id, NEW.kicker, NEW.headline, NEW.dek, NEW.body);
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS articles_article_search ON articles_article;
CREATE TRIGGER articles_article_search
    BEFORE INSERT OR UPDATE OF kicker, headline, dek, body ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_article_search_update();

CREATE OR REPLACE FUNCTION articles_article_search_reindex(article_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE articles_article article
    SET search_vector = articles_search_document(
        article.id, article.kicker, article.headline, article.dek, article.body)
    WHERE article.id = ANY(article_ids)
$$;

CREATE OR REPLACE FUNCTION articles_taggedarticle_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM articles_article_search_reindex(ARRAY[NEW.content_object_id]);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM articles_article_search_reindex(ARRAY[OLD.content_object_id]);
    ELSE
        PERFORM articles_article_search_reindex(ARRAY[OLD.content_object_id, NEW.content_object_id]);
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS articles_taggedarticle_search ON articles_taggedarticle;
CREATE TRIGGER articles_taggedarticle_search
    AFTER INSERT OR UPDATE OR DELETE ON articles_taggedarticle
    FOR EACH ROW EXECUTE FUNCTION articles_taggedarticle_search_update();

CREATE OR REPLACE FUNCTION articles_tag_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM articles_article_search_reindex(ARRAY(
        SELECT content_object_id FROM articles_taggedarticle WHERE tag_id = NEW.id));
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS articles_tag_search ON taggit_tag;
CREATE TRIGGER articles_tag_search
    AFTER UPDATE OF name ON taggit_tag
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION articles_tag_search_update();
"""

DROP_TRIGGER_SQL = """
DROP TRIGGER IF EXISTS articles_tag_search ON taggit_tag;
DROP TRIGGER IF EXISTS articles_taggedarticle_search ON articles_taggedarticle;
DROP TRIGGER IF EXISTS articles_article_search ON articles_article;
DROP FUNCTION IF EXISTS articles_tag_search_update();
DROP FUNCTION IF EXISTS articles_taggedarticle_search_update();
DROP FUNCTION IF EXISTS articles_article_search_reindex(bigint[]);
DROP FUNCTION IF EXISTS articles_article_search_update();
DROP FUNCTION IF EXISTS articles_search_document(bigint, text, text, text, text);
DROP FUNCTION IF EXISTS articles_search_config();
"""


def _set_config_sql(cursor, config):
    if not _CONFIG_NAME_RE.match(config):
        raise ImproperlyConfigured(
            f"ARTICLES_SEARCH_CONFIG {config!r} is not a text-search configuration name."
        )
    cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = %s", [config])
    if cursor.fetchone() is None:
        raise ImproperlyConfigured(
            f"ARTICLES_SEARCH_CONFIG {config!r} is not installed in PostgreSQL "
            "(see SELECT cfgname FROM pg_ts_config)."
        )
    # The name is checked against the pattern and pg_ts_config above, so quoting it inline is safe.
    cursor.execute(
        "CREATE OR REPLACE FUNCTION articles_search_config() RETURNS regconfig "
        f"LANGUAGE sql IMMUTABLE AS $$ SELECT '{config}'::regconfig $$"
    )


def install_search_triggers(connection, *, config=None):
    """Create (or replace) the search functions and triggers, then index every article."""
    with connection.cursor() as cursor:
        _set_config_sql(cursor, config or search_config())
        cursor.execute(TRIGGER_SQL)
        cursor.execute(
            "UPDATE articles_article SET search_vector = "
            "articles_search_document(id, kicker, headline, dek, body)"
        )


def drop_search_triggers(connection):
    with connection.cursor() as cursor:
        cursor.execute(DROP_TRIGGER_SQL)


def installed_search_config(connection):
    """Return the configuration the triggers index with, or None before they exist."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_proc WHERE proname = 'articles_search_config'")
        if cursor.fetchone() is None:
            return None
        cursor.execute("SELECT cfgname FROM pg_ts_config WHERE oid = articles_search_config()")
        return cursor.fetchone()[0]


def sync_search_config(connection):
    """Reinstall and reindex when ARTICLES_SEARCH_CONFIG differs from what the triggers use.

    Runs after every migrate, so changing the setting and deploying (which
    migrates) can never leave stored vectors and queries stemmed differently.
    Return True when it reindexed.
    """
    if not uses_postgres_search(connection):
        return False
    installed = installed_search_config(connection)
    if installed is None or installed == search_config():
        return False
    install_search_triggers(connection)
    return True
