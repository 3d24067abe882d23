"""Revisions: every save keeps a version; history, a readable diff, restore as a new version, and
concurrent edits that never overwrite each other."""

import pytest
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from articles import services
from articles.models import Article

from .factories import admin_form_data, make_article, make_article_raw, make_section, make_user

pytestmark = pytest.mark.django_db


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def versions_of(article):
    return Version.objects.get_for_object(article).select_related("revision__user")


def test_every_admin_save_keeps_a_version_with_user_and_comment(editor_client, editor):
    article = make_article_raw()
    for headline in ["Judul kedua", "Judul ketiga"]:
        response = editor_client.get(change_url(article))
        editor_client.post(change_url(article), admin_form_data(response, headline=headline))
    versions = list(versions_of(article))
    assert len(versions) == 2
    assert versions[0].field_dict["headline"] == "Judul ketiga"
    assert versions[0].revision.user == editor
    assert (
        "Headline" in versions[0].revision.get_comment() or "headline" in versions[0].revision.get_comment()
    )


def test_workflow_services_bulk_actions_and_the_importer_keep_versions(editor, tmp_path):
    article = make_article_raw(status=Article.Status.REVIEW, published_at=None)
    services.article_publish(article=article, by=editor)
    services.article_set_featured(article=article, by=editor, featured=True)
    comments = [version.revision.get_comment() for version in versions_of(article)]
    assert comments == ["Dijadikan unggulan.", "Diterbitkan."]

    source = tmp_path / "berita.txt"
    source.write_text(
        "Judul Berita Impor\n\nParagraf pertama berita impor yang cukup panjang.\n", encoding="utf-8"
    )
    [result] = services.import_article_files([source], section=make_section())
    [version] = versions_of(result.article)
    assert "berita.txt" in version.revision.get_comment()


def test_history_lists_versions_and_the_admin_log(editor_client):
    article = make_article()
    response = editor_client.get(change_url(article))
    editor_client.post(change_url(article), admin_form_data(response, headline="Judul baru"))
    history = editor_client.get(reverse("admin:articles_article_history", args=[article.pk]))
    html = history.content.decode()
    assert history.status_code == 200
    assert "redaktur" in html and "Judul baru" in html or "headline" in html
    assert "Bandingkan versi terpilih" in html


def test_history_of_someone_elses_article_is_hidden_from_a_writer(client):
    article = make_article()
    client.force_login(make_user(group="Penulis"))
    assert client.get(reverse("admin:articles_article_history", args=[article.pk])).status_code == 404


def test_compare_shows_a_readable_escaped_diff(editor_client, editor):
    article = make_article(
        headline="Harga cabai naik", body="<h2>Pasar</h2><p>Harga cabai naik tajam di pasar induk.</p>"
    )
    services.article_save(article=article, by=editor)
    article.headline = "Harga cabai <b>turun</b>"
    article.body = "<h2>Pasar</h2><p>Harga cabai turun tajam di pasar induk.</p><p>Paragraf baru.</p>"
    services.article_save(article=article, by=editor)
    response = editor_client.get(reverse("admin:articles_article_compare", args=[article.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<del class="diff-del">naik</del>' in html and '<ins class="diff-ins">turun</ins>' in html
    assert "&lt;b&gt;turun&lt;/b&gt;" in html  # editor text is text, never markup
    assert '<p class="diff-row diff-row--insert"><ins class="diff-ins">Paragraf baru.</ins></p>' in html


def test_restore_brings_old_text_back_as_a_new_version(editor_client, editor):
    article = make_article_raw(headline="Versi pertama")
    services.article_save(article=article, by=editor)
    article.headline = "Versi kedua"
    services.article_save(article=article, by=editor)
    first = versions_of(article).order_by("revision__date_created", "pk").first()
    response = editor_client.post(reverse("admin:articles_article_restore", args=[article.pk, first.pk]))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.headline == "Versi pertama"
    headlines = [version.field_dict["headline"] for version in versions_of(article)]
    assert headlines == ["Versi pertama", "Versi kedua", "Versi pertama"]  # nothing lost


def test_restore_is_refused_to_a_writer_on_an_article_in_review(client):
    writer = make_user(group="Penulis")
    article = make_article(status=Article.Status.REVIEW, created_by=writer, headline="Asli")
    services.article_save(article=article, by=None)
    version = versions_of(article).first()
    client.force_login(writer)
    response = client.post(reverse("admin:articles_article_restore", args=[article.pk, version.pk]))
    assert response.status_code == 403


def test_second_of_two_concurrent_saves_is_refused_and_nothing_is_overwritten(editor):
    article = make_article(headline="Awal", body="<p>Teks awal.</p>")
    first, second = Client(), Client()
    first.force_login(editor)
    second.force_login(make_user(username="editor-dua", group="Editor"))
    form_one = first.get(change_url(article))
    form_two = second.get(change_url(article))

    assert (
        first.post(change_url(article), admin_form_data(form_one, headline="Versi editor satu")).status_code
        == 302
    )
    refused = second.post(change_url(article), admin_form_data(form_two, headline="Versi editor dua"))
    assert refused.status_code == 200
    errors = refused.context["adminform"].form.non_field_errors()
    assert errors and "redaktur" in str(errors[0])
    assert reverse("admin:articles_article_compare", args=[article.pk]) in refused.content.decode()
    # The second editor's text is still in the form, to compare and re-apply.
    assert "Versi editor dua" in refused.content.decode()
    article.refresh_from_db()
    assert article.headline == "Versi editor satu"

    # After reloading, the second editor can save.
    reloaded = second.get(change_url(article))
    assert (
        second.post(change_url(article), admin_form_data(reloaded, headline="Versi editor dua")).status_code
        == 302
    )
    article.refresh_from_db()
    assert article.headline == "Versi editor dua"


def test_service_refuses_a_save_based_on_an_old_version(editor):
    article = make_article()
    stale = Article.objects.get(pk=article.pk)
    services.article_save(article=article, by=editor, expected_version=article.version)
    stale.headline = "Basi"
    with pytest.raises(services.ArticleConflict):
        services.article_save(article=stale, by=editor, expected_version=stale.version)
    article.refresh_from_db()
    assert article.headline != "Basi"


def test_history_shows_who_changed_what(editor_client, editor):
    article = make_article(headline="Lama")
    services.article_save(article=article, by=editor)
    article.headline = "Baru"
    services.article_save(article=article, by=editor)
    html = editor_client.get(reverse("admin:articles_article_history", args=[article.pk])).content.decode()
    assert "redaktur" in html and "judul" in html  # the field, named in the Indonesian admin
