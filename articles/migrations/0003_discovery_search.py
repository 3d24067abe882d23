"""Search vector with its PostgreSQL triggers and GIN index, and hourly read counts (Terpopuler).

The GIN index and the triggers exist on PostgreSQL only: SQLite stores the
(unused) column and searches with the fallback in articles/search/.
"""

import re

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import migrations, models


class AddIndexOnPostgres(migrations.AddIndex):
    """AddIndex that records the index in the model state everywhere but creates it on PostgreSQL only."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


# The trigger SQL as it was when this migration was written, frozen here: live code
# (articles/search/triggers.py) may change later without changing what this migration did.
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


def install_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            _set_config_sql(cursor, settings.ARTICLES_SEARCH_CONFIG)
            cursor.execute(TRIGGER_SQL)
            cursor.execute(
                "UPDATE articles_article SET search_vector = "
                "articles_search_document(id, kicker, headline, dek, body)"
            )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP_TRIGGER_SQL)


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0002_newsroom_groups'),
        ('taggit', '0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx'),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        AddIndexOnPostgres(
            model_name='article',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search_vector'], name='article_search_vector'),
        ),
        migrations.RunPython(install_triggers, drop_triggers, elidable=False),
        migrations.CreateModel(
            name='ArticleReadCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('hour_at', models.DateTimeField(help_text='Start of the clock hour the reads fall in.', verbose_name='hour')),
                ('count', models.PositiveIntegerField(default=0, verbose_name='reads')),
                ('article', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='read_counts', to='articles.article', verbose_name='article')),
            ],
            options={
                'verbose_name': 'read count',
                'verbose_name_plural': 'read counts',
                'indexes': [models.Index(fields=['hour_at', 'article'], name='read_count_hour')],
                'constraints': [models.UniqueConstraint(fields=('article', 'hour_at'), name='read_count_unique_hour')],
            },
        ),
    ]
