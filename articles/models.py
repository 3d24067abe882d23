import re
import secrets
from datetime import datetime, time, timedelta
from functools import cached_property
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.signals import setting_changed
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Q, Subquery, When
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.text import Truncator, slugify
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from .html import article_outline, plain_text, reading_minutes, sanitize_body, word_count

# Top-level URL segments owned by the site itself; a section slug may not take one.
RESERVED_SLUGS = frozenset(
    {
        "admin",
        "api",
        "cari",
        "en",
        "id",
        "feed",
        "halaman",
        "healthz",
        "i18n",
        "indeks",
        "media",
        "penulis",
        "pratinjau",
        "readyz",
        "robots.txt",
        "sitemap.xml",
        "sitemap-news.xml",
        "static",
        "tag",
    }
)


# A decimal comma or point between digits ("5,6", "1.500"): slugify() would drop it and fuse the
# numbers ("56", "1500"), so it becomes a hyphen first. static/articles/admin/article-form.js
# applies the same rule to the admin's live slug.
DECIMAL_SEPARATOR_RE = re.compile(r"(?<=\d)[.,](?=\d)")


# What Django's slug path converter accepts: such addresses are built without reverse().
SLUG_RE = re.compile(r"[-a-zA-Z0-9_]+\Z")
_site_roots = {}


def site_root():
    """Return reverse("articles:home") for the active language: "/" or "/en/", after any script prefix.

    Kept per language and script prefix: the home page's address is a prefix
    of every article's, which cards and links build by the thousand.
    """
    key = (get_script_prefix(), get_language())
    root = _site_roots.get(key)
    if root is None:
        root = _site_roots[key] = reverse("articles:home")
    return root


def prefixed_url(prefix, slug):
    """Return site_root()/prefix/slug/, what reverse() gives for such a path, or None for an odd slug."""
    return f"{site_root()}{prefix}/{slug}/" if SLUG_RE.match(slug) else None


def tag_url(tag):
    """A tag's page: articles:tag, without a reverse() per chip."""
    return prefixed_url("tag", tag.slug) or reverse("articles:tag", kwargs={"slug": tag.slug})


@receiver(setting_changed)
def _forget_site_roots(*, setting, **kwargs):
    if setting in {"ROOT_URLCONF", "LANGUAGES", "LANGUAGE_CODE"}:
        _site_roots.clear()


def headline_slug(text: str) -> str:
    """Return the slug for a headline or name: slugify(), keeping numbers such as "5,6" apart ("5-6")."""
    return slugify(DECIMAL_SEPARATOR_RE.sub("-", text))


def validate_section_slug(value):
    if value in RESERVED_SLUGS:
        raise ValidationError(_("“%(slug)s” is reserved for a site page."), params={"slug": value})


class SectionQuerySet(models.QuerySet):
    def in_navigation(self):
        return self.filter(is_in_navigation=True, parent__isnull=True)


class SectionManager(models.Manager.from_queryset(SectionQuerySet)):
    # A section's name includes its parent's ("Internasional › Timur Tengah"): load the
    # parent along, so lists of sections (admin filters, choices) cost one query.
    def get_queryset(self):
        return super().get_queryset().select_related("parent")


class Section(models.Model):
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(
        _("slug"),
        max_length=80,
        unique=True,
        validators=[validate_section_slug],
        help_text=_("Used in the section's address, e.g. “internasional”."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent section"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("Leave empty for a top-level section."),
    )
    description = models.TextField(
        _("description"), blank=True, help_text=_("Shown on the section page and in search results.")
    )
    position = models.PositiveSmallIntegerField(
        _("order"), default=0, help_text=_("Lower numbers come first in the navigation.")
    )
    is_in_navigation = models.BooleanField(
        _("shown in navigation"),
        default=True,
        help_text=_("Top-level sections with this flag appear in the menu and on the home page."),
    )

    objects = SectionManager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="section_not_own_parent"),
        ]

    def __str__(self):
        return " › ".join(section.name for section in self.ancestors(include_self=True))

    def get_absolute_url(self):
        slugs = [self.parent.slug, self.slug] if self.parent_id else [self.slug]
        if all(SLUG_RE.match(slug) for slug in slugs):
            # What reverse() gives (section slugs never take a reserved word), without one per card.
            return site_root() + "".join(f"{slug}/" for slug in slugs)
        if self.parent_id:
            return reverse(
                "articles:child-section",
                kwargs={"parent_slug": self.parent.slug, "slug": self.slug},
            )
        return reverse("articles:section", kwargs={"slug": self.slug})

    def clean(self):
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk:
                raise ValidationError({"parent": _("A section cannot be inside itself.")})
            ancestor = ancestor.parent
        if self.parent and self.parent.parent_id:
            # URLs are /<section>/<child>/: two levels keep them short and unambiguous.
            raise ValidationError({"parent": _("Sections can only be nested two levels deep.")})

    def ancestors(self, *, include_self=False):
        """Return the chain from the root section down to this one."""
        chain = [self] if include_self else []
        node = self.parent
        while node is not None:
            chain.insert(0, node)
            node = node.parent
        return chain

    def descendant_ids(self):
        """Return the ids of this section and every section below it.

        Sections loaded through sections.load_section_tree() know their
        children already and cost no query here.
        """
        if hasattr(self, "children_list"):
            ids, stack = [], [self]
            while stack:
                node = stack.pop()
                ids.append(node.pk)
                stack.extend(node.children_list)
            return ids
        ids, frontier = [self.pk], [self.pk]
        while frontier:
            frontier = list(Section.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            ids.extend(frontier)
        return ids


class Author(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    bio = models.TextField(_("biography"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="authors/%Y/", blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author",
        help_text=_("Links the byline to a login, so writers can find their own articles."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return prefixed_url("penulis", self.slug) or reverse("articles:author", kwargs={"slug": self.slug})


class TaggedArticle(TaggedItemBase):
    content_object = models.ForeignKey("Article", on_delete=models.CASCADE)

    class Meta:
        # Both directions answered from the index alone: a tag's articles, an article's tags.
        indexes = [
            models.Index(fields=["tag", "content_object"], name="tagged_article_tag"),
            models.Index(fields=["content_object", "tag"], name="tagged_article_article"),
        ]
        verbose_name = _("article tag")
        verbose_name_plural = _("article tags")


def image_upload_path(folder, filename):
    """Return a safe, unique storage name: folder/YYYY/MM/<slugified-name>-<random>.<ext>.

    The random part keeps a second "foto.jpg" from replacing (or being
    confused with) the first; slugify drops path tricks and odd characters.
    """
    path = PurePosixPath(filename.replace("\\", "/"))
    stem = slugify(path.stem)[:40].strip("-") or "gambar"
    extension = path.suffix.lower().lstrip(".")
    extension = {"jpeg": "jpg", "jpe": "jpg"}.get(extension, extension)
    if extension not in {"jpg", "png", "webp", "gif"}:
        extension = "jpg"
    moment = timezone.now()
    return f"{folder}/{moment:%Y/%m}/{stem}-{secrets.token_hex(4)}.{extension}"


def article_image_upload_to(instance, filename):
    return image_upload_path("articles", filename)


def library_image_upload_to(instance, filename):
    return image_upload_path("library", filename)


def embed_thumbnail_upload_to(instance, filename):
    return image_upload_path("embeds", filename)


def focal_field(label):
    """A focal-point coordinate: 0 is the left (top) edge, 1 the right (bottom); crops keep it in frame."""
    return models.FloatField(label, default=0.5, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])


def new_preview_nonce():
    return secrets.token_urlsafe(12)


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """Return the articles readers may see now: the site's one visibility rule."""
        return self.filter(published_q())

    def scheduled(self):
        """Return the articles that will appear on their own at a future publish time."""
        return self.filter(scheduled_q())

    def gone(self):
        """Return the withdrawn articles readers once saw: their addresses answer 410 with the reason."""
        return self.filter(gone_q())

    def owned_by(self, user):
        """Return the articles user created or is credited on (through their author profile)."""
        credited = Credit.objects.filter(article=OuterRef("pk"), author__user=user)
        return self.filter(Q(created_by=user) | Exists(credited))

    def visible_to(self, user):
        """Return what user may see in the admin or as a preview: all for publishers, own for writers."""
        if user.has_perm("articles.publish_article"):
            return self
        if user.has_perm("articles.change_article") or user.has_perm("articles.view_article"):
            return self.owned_by(user)
        return self.none()

    def next_scheduled_at(self):
        """Return the publish time of the next scheduled article, or None."""
        return self.scheduled().order_by("published_at").values_list("published_at", flat=True).first()

    def in_section(self, section):
        return self.filter(section_id__in=section.descendant_ids())

    def tagged(self, tag):
        """Return the articles carrying tag (a taggit Tag)."""
        # EXISTS on the tag's id, not a join: a listing walks the newest-first index and
        # probes (article, tag) for each row, instead of gathering every tagged article.
        return self.filter(Exists(TaggedArticle.objects.filter(content_object=OuterRef("pk"), tag_id=tag.pk)))

    def by_author(self, author):
        # From the author's credits (an index), not a walk over the archive probing each article;
        # IN, not a join, so an article with two roles appears once.
        return self.filter(pk__in=Credit.objects.filter(author=author).values("article_id"))

    def latest_first(self):
        # Publish time alone, so listings walk the (section|status, published_at) indexes
        # instead of sorting every match; pinning decides the home page's top story.
        return self.order_by("-published_at", "-pk")

    def published_on(self, day):
        """Return the articles published on day (a date), a calendar day in the site's time zone."""
        start = timezone.make_aware(datetime.combine(day, time.min))
        return self.filter(published_at__gte=start, published_at__lt=start + timedelta(days=1))

    def for_listing(self):
        """Load what an article card or headline link shows, in one query.

        Cards show no body, byline or tags, and the search document is for the
        database's eyes only: none of them is shipped to Python (bodies are most
        of a row's bytes).
        """
        # A gallery's card counts its photos: a subquery per gallery shown, none for other articles.
        photos = (
            GalleryPhoto.objects.filter(article=OuterRef("pk"))
            .order_by()
            .values("article")
            .annotate(n=Count("pk"))
        )
        return (
            self.defer("body", "body_html", "body_outline", "links", "search_vector")
            .select_related("section", "section__parent")
            .annotate(photo_count=Case(When(kind=Article.Kind.GALLERY, then=Subquery(photos.values("n")))))
        )

    def for_reading(self):
        """Load whole articles (body, bylines, tags) for a page or a feed, in a fixed number of queries."""
        credits = Credit.objects.select_related("author").order_by("position", "pk")
        return (
            self.defer("search_vector")
            .select_related("section", "section__parent")
            .prefetch_related(Prefetch("credits", queryset=credits), "tags")
        )


# The public rule, defined once. Each *_q() takes a prefix for articles reached through a
# relation (published_q(prefix="articles__") on Section); querysets and model methods mirror them.


def published_q(*, prefix=""):
    """Return the public visibility rule as a Q, for use in Exists, Case, exclude or a join."""
    return Q(**{f"{prefix}status": Article.Status.PUBLISHED, f"{prefix}published_at__lte": timezone.now()})


def scheduled_q(*, prefix=""):
    """Return "published, but its publish time has not come": derived, never stored."""
    return Q(**{f"{prefix}status": Article.Status.PUBLISHED, f"{prefix}published_at__gt": timezone.now()})


def was_public_q(*, prefix=""):
    """Return "readers have seen it": its first publication has come."""
    return Q(**{f"{prefix}first_published_at__lte": timezone.now()})


def live_q(*, prefix=""):
    """Return "its live coverage runs now": started and not ended."""
    now = timezone.now()
    return Q(**{f"{prefix}live_started_at__lte": now}) & (
        Q(**{f"{prefix}live_ended_at__isnull": True}) | Q(**{f"{prefix}live_ended_at__gt": now})
    )


def gone_q(*, prefix=""):
    """Return the 410 rule: withdrawn after readers saw it. A never-public withdrawal is a plain 404."""
    return Q(**{f"{prefix}status": Article.Status.WITHDRAWN}) & was_public_q(prefix=prefix)


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("In review")
        PUBLISHED = "published", _("Published")
        UNPUBLISHED = "unpublished", _("Unpublished")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Kind(models.TextChoices):
        ARTICLE = "article", _("Article")
        GALLERY = "gallery", _("Photo gallery")

    kind = models.CharField(
        _("story type"),
        max_length=12,
        choices=Kind,
        default=Kind.ARTICLE,
        help_text=_("A photo gallery shows its photos first, one by one; the body is its introduction."),
    )

    kicker = models.CharField(
        _("kicker"), max_length=80, blank=True, help_text=_("Short label above the headline.")
    )
    headline = models.CharField(_("headline"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=200,
        unique=True,
        help_text=_("The last part of the article's address. Changing it later keeps old links working."),
    )
    dek = models.TextField(
        _("summary"),
        blank=True,
        help_text=_("One or two sentences under the headline; also the default meta description."),
    )
    body = models.TextField(
        _("body"),
        blank=True,
        help_text=_("Paragraphs, H2/H3 subheadings, lists, quotes, links and images. Sanitized on save."),
    )
    lead_image = models.ImageField(_("lead image"), upload_to=article_image_upload_to, blank=True)
    lead_image_alt = models.CharField(
        _("lead image alt text"),
        max_length=250,
        blank=True,
        help_text=_("Describes the image for readers who cannot see it. Required with a lead image."),
    )
    lead_image_caption = models.CharField(_("lead image caption"), max_length=300, blank=True)
    lead_image_credit = models.CharField(
        _("lead image credit"), max_length=120, blank=True, help_text=_("e.g. “Foto: Reuters”.")
    )
    lead_image_focal_x = focal_field(_("lead image focal point (across)"))
    lead_image_focal_y = focal_field(_("lead image focal point (down)"))
    lead_image_renditions = models.JSONField(
        _("lead image renditions"), default=dict, blank=True, editable=False
    )
    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.PROTECT, related_name="articles"
    )
    authors = models.ManyToManyField(
        Author, verbose_name=_("authors"), through="Credit", related_name="articles", blank=True
    )
    tags = TaggableManager(_("tags"), through=TaggedArticle, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(
        _("publish time"),
        null=True,
        blank=True,
        help_text=_("A time in the future schedules the article; it appears on its own at that time."),
    )
    first_published_at = models.DateTimeField(_("first published"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(
        _("last updated"),
        null=True,
        blank=True,
        help_text=_("Shown to readers as “Diperbarui”. Set when a change matters to readers."),
    )
    is_featured = models.BooleanField(
        _("featured"), default=False, help_text=_("Eligible for the top story.")
    )
    is_pinned = models.BooleanField(
        _("pinned"), default=False, help_text=_("Stays the home page's top story until unpinned.")
    )
    is_breaking = models.BooleanField(
        _("breaking news"), default=False, help_text=_("Shows the article in the breaking-news banner.")
    )
    is_advertorial = models.BooleanField(
        _("advertorial"), default=False, help_text=_("Sponsored content; labelled “Advertorial” everywhere.")
    )
    show_toc = models.BooleanField(
        _("show table of contents"),
        default=True,
        help_text=_("The “Daftar isi” appears when the body has two or more subheadings."),
    )
    seo_title = models.CharField(
        _("SEO title"),
        max_length=200,
        blank=True,
        help_text=_(
            "Overrides the headline in the page title (the browser tab and search results) and in shares."
        ),
    )
    seo_description = models.CharField(
        _("SEO description"), max_length=300, blank=True, help_text=_("Overrides the summary in meta tags.")
    )
    canonical_url = models.URLField(
        _("canonical source link"),
        blank=True,
        help_text=_("For syndicated stories: the original's address, used as the canonical link."),
    )
    withdrawn_reason = models.TextField(
        _("reason for withdrawal"),
        blank=True,
        help_text=_("Shown to readers (with status 410) when the article is withdrawn."),
    )
    import_checksum = models.CharField(max_length=64, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last edited by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Optimistic locking: every save adds one; a save based on an older number is refused.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # Part of every shared preview link; a new value revokes all links given out so far.
    preview_nonce = models.CharField(max_length=32, default=new_preview_nonce, editable=False)
    # Full-text search document (headline, kicker, tags, summary, body), written by a
    # PostgreSQL trigger on every insert, update and tag change; NULL on SQLite. See search/triggers.py.
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified"), auto_now=True)
    # Known when the article is written, stored so a page nobody asked for is cheap
    # (articles/precomputed.py); NULL until computed, then read instead of computed.
    body_html = models.TextField(null=True, editable=False)  # noqa: DJ001 (NULL: not computed; "": no body)
    body_outline = models.JSONField(null=True, editable=False)
    body_words = models.PositiveIntegerField(null=True, editable=False)
    # While public: {"related": [pk, ...], "older": pk, "newer": pk} ("Baca juga", previous/next).
    links = models.JSONField(null=True, editable=False)
    # Live coverage (articles/live.py): an article that grows by timestamped updates (LiveUpdate).
    live_started_at = models.DateTimeField(
        _("live coverage since"),
        null=True,
        blank=True,
        help_text=_(
            "Turns the article into live coverage from this time: readers see a “Langsung” badge and the "
            "updates. A future time starts it then."
        ),
    )
    live_ended_at = models.DateTimeField(
        _("live coverage ended"),
        null=True,
        blank=True,
        help_text=_("When the coverage closes: the badge goes, the page and its updates stay."),
    )
    live_oldest_first = models.BooleanField(
        _("oldest update first"),
        default=False,
        help_text=_(
            "For a match or a count followed from the start; otherwise the newest update comes first."
        ),
    )
    live_writers_publish = models.BooleanField(
        _("credited writers publish updates"),
        default=False,
        help_text=_("Writers credited on this coverage may publish their updates without an editor."),
    )
    # Moved by every change readers see in the updates (services/live.py), under the article's
    # row lock: the position a reader's page polls from, and never written by article saves.
    live_sequence = models.PositiveIntegerField(default=0, editable=False)
    live_updated_at = models.DateTimeField(null=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        permissions = [("publish_article", _("Can publish, schedule, unpublish and withdraw articles"))]
        # Listings walk these newest first. INCLUDE lets deep pages skip rows (OFFSET) and
        # filter by section in the index alone; the partial ones find the home page's
        # pinned, featured and breaking stories without scanning the archive.
        indexes = [
            models.Index(
                fields=["status", "-published_at"], include=["section", "id"], name="article_status_published"
            ),
            models.Index(
                fields=["section", "status", "-published_at"],
                include=["id"],
                name="article_section_published",
            ),
            # The admin list's order (drafts, without a publish time, first).
            models.Index(fields=["-published_at", "-id"], name="article_newest"),
            # The sitemap index's "last modified".
            models.Index(fields=["-modified_at"], name="article_modified"),
            *(
                models.Index(
                    fields=["-published_at"],
                    condition=Q(**{flag: True}),
                    name=f"article_{flag.removeprefix('is_')}",
                )
                for flag in ("is_pinned", "is_featured", "is_breaking")
            ),
            # The few live coverages among 100,000 articles: when one starts or ends by itself
            # (cachetags.next_change), and the News sitemap's "updated in the last two days".
            *(
                models.Index(
                    fields=[field],
                    condition=Q(**{f"{field}__isnull": False}),
                    name=f"article_{field.removesuffix('_at')}",
                )
                for field in ("live_started_at", "live_ended_at", "live_updated_at")
            ),
            # Created on PostgreSQL only (migration 0003_discovery_search).
            GinIndex(fields=["search_vector"], name="article_search_vector"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="article_published_has_time",
            ),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        # Sanitizing here (not only in forms) covers admin, importer and shell alike.
        self.body = sanitize_body(self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "body" in update_fields:
            from .precomputed import body_data  # it loads library images: models first

            self.body_html, self.body_outline, self.body_words = body_data(self.body)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "body_html", "body_outline", "body_words"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        moment = timezone.localtime(self.published_at or self.created_at or timezone.now())
        section = self.section.slug
        if SLUG_RE.match(section) and SLUG_RE.match(self.slug):
            # What reverse("articles:detail") gives, without a reverse() for every card and link.
            return f"{site_root()}{section}/{moment:%Y/%m/%d}/{self.slug}/"
        return reverse(
            "articles:detail",
            kwargs={
                "section": section,
                "year": moment.year,
                "month": moment.month,
                "day": moment.day,
                "slug": self.slug,
            },
        )

    def clean(self):
        if self.lead_image and not self.lead_image_alt.strip():
            raise ValidationError(
                {"lead_image_alt": _("Describe the lead image for readers who cannot see it.")}
            )
        if self.status == self.Status.PUBLISHED and not self.published_at:
            self.published_at = timezone.now()
        if self.status == self.Status.WITHDRAWN and not self.withdrawn_reason.strip():
            raise ValidationError({"withdrawn_reason": _("Tell readers why the article was withdrawn.")})

    def is_owned_by(self, user):
        """Return True if user created this article or is credited on it."""
        if self.created_by_id is not None and self.created_by_id == user.pk:
            return True
        return self.credits.filter(author__user=user).exists() if self.pk else False

    def is_published(self):
        """Return True if readers can see this article now (mirrors published())."""
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    def is_scheduled(self):
        """Return True if the article will appear on its own later (mirrors scheduled())."""
        return (
            self.status == self.Status.PUBLISHED and self.published_at is not None and not self.is_published()
        )

    def was_public(self):
        """Return True if readers have seen this article (mirrors was_public_q())."""
        return self.first_published_at is not None and self.first_published_at <= timezone.now()

    def is_gone(self):
        """Return True if the address answers 410: withdrawn after readers saw it (mirrors gone())."""
        return self.status == self.Status.WITHDRAWN and self.was_public()

    def display_status(self):
        """Return the status label, with "Scheduled" derived from a future publish time."""
        return _("Scheduled") if self.is_scheduled() else self.get_status_display()

    @property
    def title_for_meta(self):
        return self.seo_title or self.headline

    @property
    def description_for_meta(self):
        """Return the SEO description, the summary, or the body's opening words."""
        return self.seo_description or self.dek or Truncator(plain_text(self.body)).words(30)

    @cached_property
    def outline(self):
        """Return the body's subheadings as [(level, id, text)], for the table of contents."""
        if self.body_outline is not None:
            return [tuple(heading) for heading in self.body_outline]
        return article_outline(self.body)

    @property
    def has_toc(self):
        return self.show_toc and len(self.outline) >= 2

    @cached_property
    def word_count(self):
        return self.body_words if self.body_words is not None else word_count(self.body)

    @property
    def reading_minutes(self):
        return reading_minutes(self.word_count)

    @property
    def last_updated_at(self):
        """Return when readers last saw a change: the editor's "updated" time or the newest live update."""
        return max(filter(None, [self.updated_at, self.live_updated_at]), default=None)

    @property
    def is_updated(self):
        updated = self.last_updated_at
        return bool(updated and self.published_at and updated > self.published_at)

    @property
    def is_live_coverage(self):
        """Return True if the article is (or was) live coverage: it shows its updates."""
        return self.live_started_at is not None

    def is_live(self):
        """Return True while the coverage runs: started, and not ended (mirrors live_q())."""
        now = timezone.now()
        return (
            self.live_started_at is not None
            and self.live_started_at <= now
            and (self.live_ended_at is None or self.live_ended_at > now)
        )

    def credits_by_role(self):
        """Return [(role label, [authors])] in byline order, writers first."""
        groups = {}
        for credit in self.credits.all():
            groups.setdefault(credit.role, []).append(credit.author)
        order = [choice for choice, _label in Credit.Role.choices]
        return [(Credit.Role(role).label, groups[role]) for role in order if role in groups]

    def byline_authors(self):
        return [credit.author for credit in self.credits.all() if credit.role in Credit.BYLINE_ROLES]


class Credit(models.Model):
    class Role(models.TextChoices):
        WRITER = "writer", _("Writer")
        REPORTER = "reporter", _("Reporter")
        EDITOR = "editor", _("Editor")
        PHOTOGRAPHER = "photographer", _("Photographer")
        CONTRIBUTOR = "contributor", _("Contributor")

    BYLINE_ROLES = (Role.WRITER, Role.REPORTER)

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="credits")
    author = models.ForeignKey(
        Author, verbose_name=_("author"), on_delete=models.PROTECT, related_name="credits"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role, default=Role.WRITER)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("credit")
        verbose_name_plural = _("credits")
        constraints = [
            models.UniqueConstraint(fields=["article", "author", "role"], name="credit_unique_role"),
        ]
        # An author's page starts from their credits, not from the whole archive.
        indexes = [models.Index(fields=["author", "article"], name="credit_author_article")]

    def __str__(self):
        return f"{self.get_role_display()}: {self.author}"


class Correction(models.Model):
    class Kind(models.TextChoices):
        CORRECTION = "correction", _("Correction")
        RIGHT_OF_REPLY = "reply", _("Right of reply")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind, default=Kind.CORRECTION)
    body = models.TextField(_("note"), help_text=_("What was wrong and what is right, or the reply in full."))
    published_at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        ordering = ["published_at", "pk"]
        verbose_name = _("correction or reply")
        verbose_name_plural = _("corrections and replies")

    def __str__(self):
        return f"{self.get_kind_display()} ({timezone.localtime(self.published_at):%Y-%m-%d})"


class LiveUpdateQuerySet(models.QuerySet):
    def public(self):
        """Return the updates readers may see: published, on an article readers may see."""
        return self.filter(status=LiveUpdate.Status.PUBLISHED).filter(published_q(prefix="article__"))

    def changed_since(self, sequence):
        """Return the updates whose last change readers saw came after position sequence (live_sequence)."""
        return self.filter(sequence__gt=sequence).exclude(status=LiveUpdate.Status.DRAFT)


class LiveUpdate(models.Model):
    """One timestamped entry of a live coverage: written in minutes, often from a phone.

    Written only through services/live.py, which keeps its history (django-reversion),
    moves the coverage's live_sequence and invalidates the coverage's pages. A
    published update that is deleted stays as REMOVED: readers' open pages drop it,
    and the newsroom keeps the record of who removed it and when.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        REMOVED = "removed", _("Removed")

    article = models.ForeignKey(
        Article, verbose_name=_("coverage"), on_delete=models.CASCADE, related_name="live_updates"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.DRAFT)
    title = models.CharField(_("short title"), max_length=160, blank=True)
    body = models.TextField(_("update"), help_text=_("Sanitized on save, like article bodies."))
    body_html = models.TextField(default="", editable=False)
    author = models.ForeignKey(
        Author,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_updates",
    )
    is_key = models.BooleanField(
        _("key update"), default=False, help_text=_("Pinned at the top and listed in the summary box.")
    )
    is_correction = models.BooleanField(
        _("correction"), default=False, help_text=_("Corrects an earlier update; labelled “Ralat”.")
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    # The coverage's live_sequence when readers last saw this update change (published, edited, removed).
    sequence = models.PositiveIntegerField(default=0, editable=False)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True, editable=False)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("edited by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modified"), auto_now=True)

    objects = LiveUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("live update")
        verbose_name_plural = _("live updates")
        indexes = [
            # A poll: what changed in one coverage after a position.
            models.Index(fields=["article", "sequence"], name="live_update_sequence"),
            models.Index(fields=["article", "status", "-published_at"], name="live_update_published"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="live_update_published_has_time",
            ),
        ]

    def __str__(self):
        return self.title or Truncator(plain_text(self.body)).words(10)

    def save(self, *args, **kwargs):
        self.body = sanitize_body(self.body)
        from .precomputed import served_body  # it loads library images: models first

        self.body_html = served_body(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self):
        """The update's stable id on the coverage's page: #pembaruan-<pk>."""
        return f"pembaruan-{self.pk}"

    @property
    def is_edited(self):
        return self.edited_at is not None


class ArticleOldSlug(models.Model):
    """A slug an article used to have: its old addresses answer 301 to the current one.

    Redirects resolve to the article's get_absolute_url() at request time, so a
    slug changed twice never makes a chain.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="old_slugs")
    slug = models.SlugField(_("old slug"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("changed"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("old address")
        verbose_name_plural = _("old addresses")

    def __str__(self):
        return self.slug


class InlineImage(models.Model):
    """An image in the newsroom's library, inserted into article bodies from the editor."""

    image = models.ImageField(_("image"), upload_to=library_image_upload_to)
    alt_text = models.CharField(
        _("alt text"),
        max_length=250,
        blank=True,
        help_text=_("Describes the image for readers who cannot see it. Required before it is published."),
    )
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    credit = models.CharField(_("credit"), max_length=120, blank=True, help_text=_("e.g. “Foto: Antara”."))
    description = models.TextField(
        _("description"),
        blank=True,
        help_text=_("For the newsroom: what the picture shows, where it is from."),
    )
    focal_x = focal_field(_("focal point (across)"))
    focal_y = focal_field(_("focal point (down)"))
    width = models.PositiveIntegerField(_("width"), default=0, editable=False)
    height = models.PositiveIntegerField(_("height"), default=0, editable=False)
    renditions = models.JSONField(_("renditions"), default=dict, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("library image")
        verbose_name_plural = _("image library")

    def __str__(self):
        return self.alt_text or self.image.name


class GalleryPhoto(models.Model):
    """One photo of a photo gallery, in its place; caption, credit and alt text are the library image's."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="photos")
    image = models.ForeignKey(
        InlineImage, verbose_name=_("image"), on_delete=models.PROTECT, related_name="gallery_photos"
    )
    position = models.PositiveIntegerField(_("order"), default=0)
    is_cover = models.BooleanField(
        _("cover"), default=False, help_text=_("The gallery's lead image on cards, in shares and in search.")
    )

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("gallery photo")
        verbose_name_plural = _("gallery photos")
        constraints = [
            models.UniqueConstraint(fields=["article", "image"], name="gallery_photo_once"),
            models.UniqueConstraint(
                fields=["article"], condition=Q(is_cover=True), name="gallery_photo_one_cover"
            ),
        ]

    def __str__(self):
        return str(self.image)


class Embed(models.Model):
    """A third-party post or player (YouTube, X, ...) an article links to on a line of its own.

    Its title and thumbnail are fetched once, when an article using it is
    saved, and the thumbnail is kept on the portal's own media: readers see a
    placeholder and ask for the provider's player only by clicking it.
    """

    url = models.URLField(_("address"), max_length=500, unique=True)
    provider = models.CharField(_("provider"), max_length=20)
    title = models.CharField(_("title"), max_length=300, blank=True)
    author_name = models.CharField(_("author"), max_length=200, blank=True)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=embed_thumbnail_upload_to, blank=True)
    thumbnail_renditions = models.JSONField(default=dict, blank=True, editable=False)
    # The player's size as the provider reports it (0: unknown); the placeholder keeps its ratio.
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    fetched_at = models.DateTimeField(_("metadata fetched"), null=True, blank=True, editable=False)
    fetch_error = models.CharField(_("last fetch error"), max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("embed")
        verbose_name_plural = _("embeds")

    def __str__(self):
        return self.title or self.url


class Page(models.Model):
    """A static page such as Tentang Kami or Pedoman Media Siber."""

    title = models.CharField(_("title"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    # WordPress sites nest pages (/tentang/redaksi/); the address keeps the tree.
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent page"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    body = models.TextField(_("body"), help_text=_("Sanitized on save, like article bodies."))
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    is_in_footer = models.BooleanField(_("linked in footer"), default=True)
    modified_at = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        ordering = ["position", "title"]
        verbose_name = _("static page")
        verbose_name_plural = _("static pages")

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body = sanitize_body(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:page", kwargs={"path": self.path})

    @property
    def path(self):
        """Return the slugs from the top page down to this one, "tentang/redaksi"."""
        slugs, page, seen = [], self, set()
        while page is not None and page.pk not in seen:
            seen.add(page.pk)
            slugs.append(page.slug)
            page = page.parent
        return "/".join(reversed(slugs))

    def clean(self):
        page = self.parent
        while page is not None:
            if page.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": _("A page cannot be inside itself.")})
            page = page.parent


class ImportedItem(models.Model):
    """What an item of another system's export became here: the key that makes re-imports idempotent.

    One row per (source, kind, key): a WordPress site's post 123 is always the
    same article, whatever its slug has become. version is the article's
    version as the import left it; a higher one means an editor changed it here.
    """

    class Kind(models.TextChoices):
        POST = "post", _("post")
        PAGE = "page", _("page")
        ATTACHMENT = "attachment", _("attachment")
        CATEGORY = "category", _("category")
        TAG = "tag", _("tag")
        AUTHOR = "author", _("author")
        GUEST_AUTHOR = "guest_author", _("guest author")

    source = models.CharField(_("source"), max_length=200, help_text=_("The exported site's address."))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    key = models.CharField(_("key"), max_length=200, help_text=_("The item's ID, or a term's or login's."))
    object_id = models.PositiveBigIntegerField(_("object"))
    modified = models.CharField(_("modified in the source"), max_length=32, blank=True)
    checksum = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(_("imported"), auto_now=True)

    class Meta:
        verbose_name = _("imported item")
        verbose_name_plural = _("imported items")
        constraints = [
            models.UniqueConstraint(fields=["source", "kind", "key"], name="imported_item_key"),
        ]
        indexes = [models.Index(fields=["kind", "object_id"], name="imported_item_object")]

    def __str__(self):
        return f"{self.source} {self.kind} {self.key}"


class ArticleReadCount(models.Model):
    """How often an article was read in one clock hour: the raw material of "Terpopuler".

    One row per article and hour, incremented atomically in the database, so
    every app server counts into the same place and concurrent readers lose
    no counts (services.article_count_read).
    """

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="read_counts"
    )
    hour_at = models.DateTimeField(_("hour"), help_text=_("Start of the clock hour the reads fall in."))
    count = models.PositiveIntegerField(_("reads"), default=0)

    class Meta:
        verbose_name = _("read count")
        verbose_name_plural = _("read counts")
        constraints = [
            models.UniqueConstraint(fields=["article", "hour_at"], name="read_count_unique_hour"),
        ]
        indexes = [models.Index(fields=["hour_at", "article"], name="read_count_hour")]

    def __str__(self):
        return f"{self.article_id} @ {self.hour_at:%Y-%m-%d %H:00}: {self.count}"
