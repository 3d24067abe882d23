"""Search vector with its PostgreSQL triggers and GIN index, and hourly read counts (Terpopuler).

The GIN index and the triggers exist on PostgreSQL only: SQLite stores the
(unused) column and searches with the fallback in articles/search.py.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models


class AddIndexOnPostgres(migrations.AddIndex):
    """AddIndex that records the index in the model state everywhere but creates it on PostgreSQL only."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def install_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from articles.search import install_search_triggers

        install_search_triggers(schema_editor.connection)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from articles.search import drop_search_triggers

        drop_search_triggers(schema_editor.connection)


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
