"""Roles and workflow, enforced on the server: writers write and submit, editors publish."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.models import Article, Correction

from .factories import admin_form_data, make_article, make_article_raw, make_author, make_section, make_user

pytestmark = pytest.mark.django_db


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


@pytest.fixture
def writer():
    user = make_user(username="penulis", group="Penulis")
    make_author(name="Penulis Satu", user=user)
    return user


@pytest.fixture
def writer_client(client, writer):
    client.force_login(writer)
    return client


def add_data(section, **overrides):
    data = {
        "headline": "Banjir Rendam Tiga Desa",
        "slug": "banjir-rendam-tiga-desa",
        "dek": "Ringkasan.",
        "body": "<h2>Kronologi</h2><p>Air naik.</p>",
        "section": section.pk,
        "credits-TOTAL_FORMS": "0",
        "credits-INITIAL_FORMS": "0",
        "corrections-TOTAL_FORMS": "0",
        "corrections-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_writer_creates_a_draft_credited_to_them(writer_client, writer):
    response = writer_client.post(reverse("admin:articles_article_add"), add_data(make_section()))
    assert response.status_code == 302
    article = Article.objects.get(slug="banjir-rendam-tiga-desa")
    assert article.status == Article.Status.DRAFT
    assert article.created_by == writer and article.last_edited_by == writer
    assert [author.user for author in article.byline_authors()] == [writer]


def test_writers_crafted_post_setting_status_published_is_refused(writer_client):
    section = make_section()
    data = add_data(
        section, status="published", published_at_0="2026-01-01", published_at_1="10:00:00", is_featured="on"
    )
    writer_client.post(reverse("admin:articles_article_add"), data)
    article = Article.objects.get(slug="banjir-rendam-tiga-desa")
    assert article.status == Article.Status.DRAFT
    assert article.published_at is None and not article.is_featured

    response = writer_client.get(change_url(article))
    writer_client.post(change_url(article), admin_form_data(response, status="published"))
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


@pytest.mark.parametrize("button", ["_publish", "_schedule", "_unpublish", "_withdraw", "_return_draft"])
def test_writer_pressing_an_editors_button_gets_403_and_nothing_changes(writer_client, writer, button):
    article = make_article(status=Article.Status.DRAFT, published_at=None, created_by=writer)
    response = writer_client.get(change_url(article))
    data = admin_form_data(response, headline="Diubah penulis", **{button: "1"})
    assert writer_client.post(change_url(article), data).status_code == 403
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT and article.headline != "Diubah penulis"


def test_writer_submits_own_draft_and_then_cannot_edit_it(writer_client, writer):
    article = make_article(status=Article.Status.DRAFT, published_at=None, created_by=writer)
    response = writer_client.get(change_url(article))
    assert "Kirim ke redaksi" in response.content.decode()
    assert "Terbitkan" not in response.content.decode()
    response = writer_client.post(change_url(article), admin_form_data(response, _submit_review="1"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.REVIEW
    # In review: the writer may look, not change.
    view = writer_client.get(change_url(article))
    assert view.status_code == 200 and "Kirim ke redaksi" not in view.content.decode()
    assert writer_client.post(change_url(article), admin_form_data(view)).status_code == 403


@pytest.mark.parametrize("status", [Article.Status.PUBLISHED, Article.Status.REVIEW])
def test_writer_cannot_change_own_article_once_editors_have_it(writer_client, writer, status):
    article = make_article(status=status, created_by=writer)
    view = writer_client.get(change_url(article))
    assert view.status_code == 200
    response = writer_client.post(change_url(article), admin_form_data(view, headline="Ganti"))
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.headline != "Ganti"


def test_writer_cannot_see_or_change_someone_elses_draft(writer_client, editor_client):
    other = make_article(status=Article.Status.DRAFT, published_at=None)
    assert editor_client.get(change_url(other)).status_code == 200
    assert writer_client.get(change_url(other)).status_code == 302  # "doesn't exist", like a wrong id
    writer_client.post(change_url(other), {"headline": "Ganti"})
    other.refresh_from_db()
    assert other.headline != "Ganti"
    changelist = writer_client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert other.headline not in changelist


def test_writer_cannot_reach_the_user_admin(writer_client, client):
    assert writer_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    client.force_login(make_user(group="Pemimpin Redaksi"))
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200


def test_writer_cannot_preview_someone_elses_draft_on_the_site(writer_client, editor_client):
    draft = make_article(status=Article.Status.DRAFT, published_at=None)
    assert editor_client.get(draft.get_absolute_url()).status_code == 200
    assert writer_client.get(draft.get_absolute_url()).status_code == 404


def test_editor_publishes_and_first_publication_is_set_once(editor_client):
    article = make_article(status=Article.Status.REVIEW, published_at=None)
    response = editor_client.get(change_url(article))
    html = response.content.decode()
    assert "Terbitkan" in html and "Jadwalkan" in html and "Kembalikan ke penulis" in html
    editor_client.post(change_url(article), admin_form_data(response, _publish="1"))
    article.refresh_from_db()
    assert article.is_published()
    first = article.first_published_at
    assert first == article.published_at

    services.article_unpublish(article=article, by=None)
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        services.article_publish(article=article, by=None)
    article.refresh_from_db()
    assert article.is_published() and article.first_published_at == first
    # A republished article keeps its publish time, and so its address.
    assert article.published_at == first


def test_schedule_needs_a_future_time(editor_client):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    response = editor_client.get(change_url(article))
    past = timezone.localtime() - timedelta(hours=1)
    data = admin_form_data(
        response, _schedule="1", published_at_0=f"{past:%Y-%m-%d}", published_at_1=f"{past:%H:%M:%S}"
    )
    refused = editor_client.post(change_url(article), data)
    assert refused.status_code == 200
    assert "published_at" in refused.context["adminform"].form.errors

    future = timezone.localtime() + timedelta(hours=2)
    data.update(published_at_0=f"{future:%Y-%m-%d}", published_at_1=f"{future:%H:%M:%S}")
    assert editor_client.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    assert article.is_scheduled() and not article.is_published()


def test_scheduled_article_404s_until_publish_time_then_appears_without_cron(client, editor):
    section = make_section(slug="nasional")
    publish_at = timezone.now() + timedelta(hours=1)
    article = make_article(section=section, status=Article.Status.DRAFT, published_at=None)
    services.article_schedule(article=article, by=editor, at=publish_at)
    url = article.get_absolute_url()
    with time_machine.travel(publish_at - timedelta(seconds=1), tick=False):
        assert client.get(url).status_code == 404
        assert article.headline not in client.get("/").content.decode()
        assert article.headline not in client.get("/nasional/").content.decode()
        assert not Article.objects.published().filter(pk=article.pk).exists()
    with time_machine.travel(publish_at + timedelta(seconds=1), tick=False):
        assert client.get(url).status_code == 200
        assert article.headline in client.get("/").content.decode()
        assert Article.objects.published().filter(pk=article.pk).exists()


def test_rescheduling_an_unseen_article_moves_its_first_publication(editor):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    services.article_schedule(article=article, by=editor, at=timezone.now() + timedelta(hours=1))
    services.article_unpublish(article=article, by=editor)
    later = timezone.now() + timedelta(hours=5)
    services.article_schedule(article=article, by=editor, at=later)
    assert article.first_published_at == later


def test_unpublish_takes_the_article_off_the_site(editor_client, client):
    article = make_article()
    response = editor_client.get(change_url(article))
    assert "Tarik" in response.content.decode()
    editor_client.post(change_url(article), admin_form_data(response, _unpublish="1"))
    article.refresh_from_db()
    assert article.status == Article.Status.UNPUBLISHED
    assert client.get(article.get_absolute_url()).status_code == 404


def test_withdraw_needs_a_reason_and_then_answers_410_with_it(editor_client, client):
    article = make_article(first_published_at=timezone.now() - timedelta(hours=1))
    response = editor_client.get(change_url(article))
    refused = editor_client.post(change_url(article), admin_form_data(response, _withdraw="1"))
    assert "withdrawn_reason" in refused.context["adminform"].form.errors
    editor_client.post(
        change_url(article),
        admin_form_data(response, _withdraw="1", withdrawn_reason="Narasumber tidak dapat diverifikasi."),
    )
    article.refresh_from_db()
    assert article.status == Article.Status.WITHDRAWN
    page = client.get(article.get_absolute_url())
    assert page.status_code == 410 and "Narasumber tidak dapat diverifikasi." in page.content.decode()


def test_updated_time_moves_only_when_marked_as_update(editor_client):
    article = make_article(first_published_at=timezone.now() - timedelta(hours=1))
    response = editor_client.get(change_url(article))
    editor_client.post(change_url(article), admin_form_data(response, headline="Typo diperbaiki"))
    article.refresh_from_db()
    assert article.headline == "Typo diperbaiki" and article.updated_at is None

    response = editor_client.get(change_url(article))
    editor_client.post(
        change_url(article), admin_form_data(response, dek="Angka korban direvisi.", mark_as_update="on")
    )
    article.refresh_from_db()
    assert article.updated_at is not None and article.is_updated


def test_a_new_correction_marks_the_article_updated(editor_client):
    article = make_article(first_published_at=timezone.now() - timedelta(hours=1))
    response = editor_client.get(change_url(article))
    data = admin_form_data(response)
    data.update(
        {
            "corrections-TOTAL_FORMS": "1",
            "corrections-0-kind": "correction",
            "corrections-0-body": "Sebelumnya tertulis 30 korban; yang benar 13.",
            "corrections-0-published_at_0": f"{timezone.localtime():%Y-%m-%d}",
            "corrections-0-published_at_1": f"{timezone.localtime():%H:%M:%S}",
        }
    )
    assert editor_client.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    assert Correction.objects.filter(article=article).count() == 1
    assert article.updated_at is not None


def test_services_refuse_publishing_for_a_writer(writer):
    article = make_article(status=Article.Status.DRAFT, published_at=None, created_by=writer)
    for service in (services.article_publish, services.article_unpublish, services.article_return):
        with pytest.raises(PermissionDenied):
            service(article=article, by=writer)
    with pytest.raises(PermissionDenied):
        services.article_withdraw(article=article, by=writer, reason="x")


def test_editor_returns_an_article_to_its_writer(editor_client, writer):
    article = make_article(status=Article.Status.REVIEW, published_at=None, created_by=writer)
    response = editor_client.get(change_url(article))
    editor_client.post(change_url(article), admin_form_data(response, _return_draft="1"))
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


@pytest.mark.parametrize(
    "action, field, value",
    [("publish_selected", "status", "published"), ("feature_selected", "is_featured", True)],
)
def test_bulk_actions_work_for_editors_and_are_refused_for_writers(client, writer, action, field, value):
    drafts = [
        make_article(status=Article.Status.DRAFT, published_at=None, created_by=writer) for _ in range(2)
    ]
    url = reverse("admin:articles_article_changelist")
    data = {"action": action, "_selected_action": [a.pk for a in drafts]}
    client.force_login(writer)
    client.post(url, data)
    assert all(getattr(Article.objects.get(pk=a.pk), field) != value for a in drafts)
    client.force_login(make_user(group="Editor"))
    assert client.post(url, data).status_code == 302
    assert all(getattr(Article.objects.get(pk=a.pk), field) == value for a in drafts)


def test_bulk_unpublish_takes_articles_off_the_site(editor_client, client):
    live = [make_article() for _ in range(2)]
    editor_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "unpublish_selected", "_selected_action": [a.pk for a in live]},
    )
    assert not Article.objects.published().filter(pk__in=[a.pk for a in live]).exists()


# --- The workflow table: status moves only through its transitions ---------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Article.Status.DRAFT, "published_at": None},
        {"status": Article.Status.REVIEW, "published_at": None},
        # Scheduled (and so embargoed until its time): never seen by readers.
        {"status": Article.Status.PUBLISHED, "published_at_offset": timedelta(hours=3)},
    ],
    ids=["draft", "review", "scheduled"],
)
def test_editors_crafted_post_setting_status_withdrawn_changes_nothing(
    editor_client, client, settings, fields
):
    settings.PAGE_CACHE_SECONDS = 60
    fields = dict(fields)
    offset = fields.pop("published_at_offset", None)
    if offset is not None:
        fields["published_at"] = timezone.now() + offset
        fields["first_published_at"] = fields["published_at"]
    article = make_article(headline="Draf Rahasia Redaksi", **fields)
    response = editor_client.get(change_url(article))
    assert "status" not in response.context["adminform"].form.fields  # shown, never editable
    data = admin_form_data(response, status="withdrawn", withdrawn_reason="Alasan yang bocor")
    assert editor_client.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    assert article.status == fields["status"]
    for _ in range(2):  # the second answer would come from the page cache
        page = client.get(article.get_absolute_url())
        assert page.status_code == 404
        assert "Draf Rahasia Redaksi" not in page.content.decode()


def test_status_is_read_only_for_every_role(editor_client, writer_client, writer):
    draft = make_article(status=Article.Status.DRAFT, published_at=None, created_by=writer)
    for client in (editor_client, writer_client):
        for url in (change_url(draft), reverse("admin:articles_article_add")):
            response = client.get(url)
            assert "status" not in response.context["adminform"].form.fields
            assert "Draft" in response.content.decode() or "Draf" in response.content.decode()


def test_withdraw_is_not_offered_on_a_scheduled_never_live_article(editor_client, editor):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    services.article_schedule(article=article, by=editor, at=timezone.now() + timedelta(hours=2))
    html = editor_client.get(change_url(article)).content.decode()
    assert 'name="_unpublish"' in html
    assert 'name="_withdraw"' not in html

    live = make_article(first_published_at=timezone.now() - timedelta(hours=1))
    assert 'name="_withdraw"' in editor_client.get(change_url(live)).content.decode()


def test_mark_updated_moves_the_version_so_a_stale_form_save_is_refused(editor_client, editor):
    article = make_article(first_published_at=timezone.now() - timedelta(hours=1))
    response = editor_client.get(change_url(article))  # an editor opens the form
    before = Article.objects.get(pk=article.pk).version
    services.article_mark_updated(article=Article.objects.get(pk=article.pk), by=editor)
    article.refresh_from_db()
    assert article.version == before + 1
    marked = article.updated_at
    assert marked is not None

    stale = editor_client.post(
        change_url(article), admin_form_data(response, headline="Simpan dari versi lama")
    )
    assert stale.status_code == 200
    assert stale.context["adminform"].form.errors["__all__"][0]  # the conflict message
    article.refresh_from_db()
    assert article.headline != "Simpan dari versi lama" and article.updated_at == marked


STATES = {
    "draft": {"status": Article.Status.DRAFT, "published_at": None},
    "review": {"status": Article.Status.REVIEW, "published_at": None},
    "live": {"status": Article.Status.PUBLISHED, "first_published": -1},
    "scheduled": {"status": Article.Status.PUBLISHED, "first_published": 2},
    "unpublished-seen": {"status": Article.Status.UNPUBLISHED, "first_published": -1},
    "unpublished-unseen": {"status": Article.Status.UNPUBLISHED, "published_at": None},
    "withdrawn": {"status": Article.Status.WITHDRAWN, "first_published": -1, "withdrawn_reason": "Salah."},
}


def article_in(state, **fields):
    fields = {**STATES[state], **fields}
    hours = fields.pop("first_published", None)
    if hours is not None:
        fields["published_at"] = fields["first_published_at"] = timezone.now() + timedelta(hours=hours)
    # Exactly the stored state named (an unpublished article readers never saw, say), not one
    # reached through the services, whose history could add a first publication.
    return make_article_raw(**fields)


@pytest.mark.parametrize("state", STATES)
def test_buttons_offered_are_exactly_the_steps_the_services_accept(editor_client, editor, state):
    from articles import workflow

    article = article_in(state)
    html = editor_client.get(change_url(article)).content.decode()
    offered = {t.name for t in workflow.TRANSITIONS.values() if f'name="{t.button}"' in html}
    assert offered == {t.name for t in workflow.available_transitions(article, editor)}
    for name in workflow.TRANSITIONS:
        with transaction.atomic():  # each step tried on the same stored article, then rolled back
            try:
                services.article_transition(
                    article=Article.objects.get(pk=article.pk),
                    by=editor,
                    name=name,
                    at=timezone.now() + timedelta(hours=5),
                    reason="Alasan.",
                )
            except services.WorkflowError:
                accepted = False
            else:
                accepted = True
            transaction.set_rollback(True)
        assert accepted is (name in offered), name


def test_the_workflow_table_is_what_the_newsroom_expects(editor, writer):
    from articles import workflow

    def names(state, user):
        return [t.name for t in workflow.available_transitions(article_in(state, created_by=writer), user)]

    assert names("draft", writer) == ["submit"]
    assert names("draft", editor) == ["submit", "publish", "schedule"]
    assert names("review", editor) == ["return", "publish", "schedule"]
    assert names("live", editor) == ["unpublish", "withdraw"]
    assert names("scheduled", editor) == ["publish", "schedule", "unpublish"]
    assert names("unpublished-seen", editor) == ["publish", "schedule", "withdraw"]
    assert names("unpublished-unseen", editor) == ["publish", "schedule"]
    assert names("withdrawn", editor) == ["publish", "schedule"]
    assert workflow.available_transitions(None, writer)[0].name == "submit"  # a new article


def test_button_labels_are_english_msgids_shown_in_indonesian(editor_client):
    from django.utils import translation

    from articles import workflow

    labels = {t.name: t.label for t in workflow.TRANSITIONS.values()}
    with translation.override("en"):
        assert str(labels["withdraw"]) == "Withdraw" and str(labels["submit"]) == "Send to the editors"
    with translation.override("id"):
        indonesian = [str(labels[name]) for name in workflow.TRANSITIONS]
    assert indonesian == [
        "Kirim ke redaksi",
        "Kembalikan ke penulis",
        "Terbitkan",
        "Jadwalkan",
        "Tarik",
        "Cabut",
    ]
