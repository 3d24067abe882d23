"""Plain builders for test data: make_x(**overrides) returns a saved object."""

from datetime import timedelta
from itertools import count

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from articles.models import Article, Author, Credit, Page, Section

_sequence = count(1)


def make_section(**overrides):
    n = next(_sequence)
    fields = {"name": f"Rubrik {n}", "slug": f"rubrik-{n}", "is_in_navigation": True, "position": n}
    fields.update(overrides)
    return Section.objects.create(**fields)


def make_author(**overrides):
    n = next(_sequence)
    fields = {"name": f"Penulis {n}", "slug": f"penulis-{n}", "bio": f"Wartawan nomor {n}."}
    fields.update(overrides)
    return Author.objects.create(**fields)


def _article_fields(overrides):
    n = next(_sequence)
    fields = {
        "headline": f"Berita contoh nomor {n}",
        "slug": f"berita-contoh-{n}",
        "dek": f"Ringkasan berita contoh {n}.",
        "body": "<h2>Latar belakang</h2><p>Paragraf pertama.</p><h2>Dampak</h2><p>Paragraf kedua.</p>",
        "status": Article.Status.PUBLISHED,
        "published_at": timezone.now() - timedelta(hours=1),
    }
    fields.update(overrides)
    if "section" not in fields:
        fields["section"] = make_section()
    return fields


def _article_extras(article, *, authors, tags):
    for position, author in enumerate(authors):
        Credit.objects.create(article=article, author=author, position=position)
    if tags:
        article.tags.add(*tags)
    return article


def make_article(*, authors=(), tags=(), by=None, **overrides):
    """Return a published article (one hour old) unless overrides say otherwise, made by the services.

    Like the newsroom, it saves a draft, then publishes (a past or no time) or
    schedules (a future time); unpublished and withdrawn articles are
    published first, then taken down (withdrawn needs a past publish time).
    So first_published_at and the revisions are what the workflow makes; an
    explicit first_published_at (not None) is kept, as for a republished
    article. For states the workflow cannot reach, use make_article_raw().
    """
    from articles import services

    fields = _article_fields(overrides)
    status = fields.pop("status")
    first_published_at = fields.pop("first_published_at", None)
    withdrawn_reason = fields.pop("withdrawn_reason", "")
    published_at = fields.get("published_at")
    takes_down = status in (Article.Status.UNPUBLISHED, Article.Status.WITHDRAWN)
    goes_out = status == Article.Status.PUBLISHED or takes_down

    initial = status if status in (Article.Status.DRAFT, Article.Status.REVIEW) else Article.Status.DRAFT
    article = services.article_save(article=Article(status=initial, **fields), by=by)
    if goes_out:
        if published_at is not None and published_at > timezone.now():
            services.article_schedule(article=article, by=by, at=published_at)
        else:
            services.article_publish(article=article, by=by)
    if status == Article.Status.UNPUBLISHED:
        services.article_unpublish(article=article, by=by)
    elif status == Article.Status.WITHDRAWN:
        services.article_withdraw(article=article, by=by, reason=withdrawn_reason or "Dicabut redaksi.")
    elif withdrawn_reason:
        Article.objects.filter(pk=article.pk).update(withdrawn_reason=withdrawn_reason)
        article.withdrawn_reason = withdrawn_reason
    if first_published_at is not None:
        Article.objects.filter(pk=article.pk).update(first_published_at=first_published_at)
        article.first_published_at = first_published_at
    return _article_extras(article, authors=authors, tags=tags)


def make_article_raw(*, authors=(), tags=(), **overrides):
    """Return an article saved as given, bypassing the services: for odd states a test means to build."""
    article = Article.objects.create(**_article_fields(overrides))
    return _article_extras(article, authors=authors, tags=tags)


def make_page(**overrides):
    n = next(_sequence)
    fields = {"title": f"Halaman {n}", "slug": f"halaman-{n}", "body": "<p>Isi halaman.</p>"}
    fields.update(overrides)
    return Page.objects.create(**fields)


def make_user(*, username=None, group=None, is_superuser=False, password="newsportal-demo"):
    username = username or f"user{next(_sequence)}"
    user = get_user_model().objects.create_user(
        username=username, password=password, is_staff=True, is_superuser=is_superuser
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def make_png(width=64, height=48, *, color=(200, 30, 30), image_format="PNG"):
    """Return the bytes of a real, small image."""
    import io

    from PIL import Image

    output = io.BytesIO()
    Image.new("RGB", (width, height), color).save(output, format=image_format)
    return output.getvalue()


def admin_form_data(response, **overrides):
    """Return the POST data a browser would send for the admin change form in response, plus overrides.

    Like a browser it sends every editable field with its current value, and
    the inline formsets' management forms.
    """
    from django import forms
    from django.utils import timezone

    def field_data(form, prefix=""):
        data = {}
        for name, field in form.fields.items():
            key = form.add_prefix(name)
            value = form[name].value()
            if isinstance(field, forms.FileField):
                continue
            if isinstance(field.widget, forms.SplitDateTimeWidget) or isinstance(
                field, forms.SplitDateTimeField
            ):
                if value:
                    local = timezone.localtime(value) if hasattr(value, "tzinfo") else value
                    data[f"{key}_0"], data[f"{key}_1"] = f"{local:%Y-%m-%d}", f"{local:%H:%M:%S}"
                continue
            if isinstance(field, forms.BooleanField):
                if value:
                    data[key] = "on"
                continue
            if isinstance(field, forms.ModelMultipleChoiceField):
                data[key] = [getattr(item, "pk", item) for item in (value or [])]
                continue
            data[key] = "" if value is None else getattr(value, "pk", value)
        return data

    context = response.context
    data = field_data(context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        initial = formset.initial_form_count()
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(initial)
        data[f"{formset.prefix}-INITIAL_FORMS"] = str(initial)
        for form in formset.forms[:initial]:
            data.update(field_data(form))
    data.update(overrides)
    return data


def ensure_newsroom_groups():
    """Create the newsroom groups as the data migrations do; a transactional test's flush removes them."""
    import importlib

    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Permission

    # The flush may have taken the permission rows too; recreate them as migrate does.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)

    roles = importlib.import_module("articles.migrations.0002_newsroom_groups")
    editorial = importlib.import_module("articles.migrations.0004_editorial_groups")
    live = importlib.import_module("articles.migrations.0012_live_coverage")

    def permissions(pairs):
        return [
            Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in pairs
        ]

    editor_pairs = (
        [
            (app_label, f"{action}_{model}")
            for app_label, model in roles.EDITOR_MODELS
            for action in ("add", "change", "delete", "view")
        ]
        + [("articles", "publish_article")]
        + editorial.EDITOR_PERMISSIONS
        + [("articles", codename) for codename in live.EDITOR_PERMISSIONS]
    )
    writer, _ = Group.objects.get_or_create(name=roles.WRITER)
    writer_pairs = [("articles", codename) for codename in live.WRITER_PERMISSIONS]
    writer.permissions.set(
        permissions(roles.WRITER_PERMISSIONS + editorial.WRITER_PERMISSIONS + writer_pairs)
    )
    editor, _ = Group.objects.get_or_create(name=roles.EDITOR)
    editor.permissions.set(permissions(editor_pairs))


def make_library_image(*, width=64, height=48, renditions=False, color=(30, 90, 160), **fields):
    """Return a library image (InlineImage) stored through its service; renditions=True makes them now.

    Renditions otherwise follow on commit, which a test's transaction never reaches.
    """
    from django.core.files.base import ContentFile

    from articles.models import InlineImage
    from articles.services import inline_image_save
    from articles.tasks import library_image_renditions

    n = next(_sequence)
    upload = ContentFile(make_png(width, height, color=color, image_format="JPEG"), name=f"foto-{n}.jpg")
    fields = {"alt_text": f"Deskripsi foto {n}", "caption": f"Keterangan foto {n}.", **fields}
    image = inline_image_save(image=InlineImage(image=upload, **fields))
    if renditions:
        library_image_renditions.call(image.pk)
        image.refresh_from_db()
    return image


def make_gallery(n_photos=3, *, image_size=(64, 48), renditions=False, credit="Foto: Antara", **overrides):
    """Return a photo gallery of n_photos photos, published (one hour old) unless overrides say otherwise.

    Like the newsroom: saved as a draft, given its photos (the first is the
    cover, copied into the lead image fields), then published or scheduled;
    a draft or review status stays as it is.
    """
    from articles import services
    from articles.models import GalleryPhoto

    status = overrides.pop("status", Article.Status.PUBLISHED)
    published_at = overrides.pop("published_at", timezone.now() - timedelta(hours=1))
    article = make_article(
        kind=Article.Kind.GALLERY, status=Article.Status.DRAFT, published_at=None, **overrides
    )
    images = [
        make_library_image(
            width=image_size[0],
            height=image_size[1],
            renditions=renditions,
            color=(40 + number * 5 % 200, 90, 160),
            caption=f"Keterangan foto {number}.",
            credit=credit,
        )
        for number in range(1, n_photos + 1)
    ]
    for number, image in enumerate(images, start=1):
        GalleryPhoto.objects.create(article=article, image=image, position=number, is_cover=number == 1)
    if images:
        cover = images[0]
        Article.objects.filter(pk=article.pk).update(
            lead_image=cover.image.name,
            lead_image_alt=cover.alt_text,
            lead_image_caption=cover.caption,
            lead_image_credit=cover.credit,
            lead_image_renditions=cover.renditions,
        )
    article.refresh_from_db()
    if status in (Article.Status.DRAFT, Article.Status.REVIEW):
        if status == Article.Status.REVIEW:
            Article.objects.filter(pk=article.pk).update(status=status)
            article.refresh_from_db()
        return article
    if published_at > timezone.now():
        article = services.article_schedule(article=article, by=None, at=published_at)
    else:
        Article.objects.filter(pk=article.pk).update(published_at=published_at)
        article.refresh_from_db()
        article = services.article_publish(article=article, by=None)
    if status == Article.Status.UNPUBLISHED:
        article = services.article_unpublish(article=article, by=None)
    article.refresh_from_db()
    return article
