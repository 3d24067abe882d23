import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.db.models import Q
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView, TemplateView
from taggit.models import Tag

from pagecache import cached_fragment, query_parameters, tag_page
from pagecache.stored import keep_stored

from . import cachetags, live, seo
from .embeds import allow_embed_frames, article_embed_providers
from .forms import ArticleIndexForm, SearchForm
from .models import Article, ArticleOldSlug, Author, Page, published_q
from .pagination import ArchivePaginator
from .previews import article_for_preview_token
from .search import highlight_results, search_articles, uses_postgres_search
from .sections import section_tree
from .selectors import gallery_photos, newest_pks, photo_path, with_gallery_photos
from .services import article_count_first_read, reader_over_rate_limit

LATEST_COUNT = 10
SECTION_BLOCK_COUNT = 4


@query_parameters("page")
class PublishedListMixin:
    """List published articles, newest first, loaded for cards; querysets are built per request."""

    paginate_by = 20
    paginator_class = ArchivePaginator
    allow_empty = True

    def get_queryset(self):
        return self.filter_articles(Article.objects.published()).for_listing().latest_first()

    def filter_articles(self, articles):
        return articles


class HomeView(TemplateView):
    template_name = "articles/home.html"

    def get_context_data(self, **kwargs):
        published = Article.objects.published()
        sections = section_tree(self.request).navigation
        tag_page(self.request, cachetags.LIST_ALL, *(f"section:{section.pk}" for section in sections))
        # Every list on the page is a bounded "newest N" an index answers: one query for
        # all their ids, then one for the cards.
        parts = {
            "pinned": (published.filter(is_pinned=True), 1),
            "featured": (published.filter(is_featured=True), 1),
            "latest": (published, LATEST_COUNT + 1),
            **{
                ("section", section.pk): (
                    published.filter(section_id__in=section.descendant_ids()),
                    SECTION_BLOCK_COUNT,
                )
                for section in sections
            },
        }
        ids = newest_pks(parts)
        # The top story: the newest pinned article, else the newest featured one, else the newest.
        top_id = next(iter(ids["pinned"] or ids["featured"] or ids["latest"]), None)
        cards = published.for_listing().in_bulk({pk for pks in ids.values() for pk in pks})

        def articles(pks):
            return [cards[pk] for pk in pks if pk in cards]

        return super().get_context_data(
            top_story=cards.get(top_id),
            latest_articles=articles([pk for pk in ids["latest"] if pk != top_id][:LATEST_COUNT]),
            section_blocks=[
                (section, articles(ids["section", section.pk]))
                for section in sections
                if ids["section", section.pk]
            ],
            **kwargs,
        )


class SectionDetailView(PublishedListMixin, ListView):
    template_name = "articles/section_detail.html"

    def get(self, request, *args, **kwargs):
        tree = section_tree(request)
        self.section = tree.by_slug.get(kwargs["slug"])
        parent_slug = kwargs.get("parent_slug")
        if self.section is None:
            raise Http404("No such section.")
        actual_parent_slug = self.section.parent.slug if self.section.parent_id else None
        if parent_slug != actual_parent_slug:
            # A section moved in the tree, or was addressed at the wrong level.
            return redirect(self.section, permanent=True)
        return super().get(request, *args, **kwargs)

    def filter_articles(self, articles):
        tag_page(self.request, f"list:section:{self.section.pk}", *cachetags.section_tags(self.section))
        return articles.in_section(self.section)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            section=self.section,
            breadcrumbs=self.section.ancestors(),
            child_sections=self.section.children_list,
            **kwargs,
        )


class TagDetailView(PublishedListMixin, ListView):
    template_name = "articles/tag_detail.html"

    def get(self, request, *args, **kwargs):
        self.tag = get_object_or_404(Tag, slug=kwargs["slug"])
        return super().get(request, *args, **kwargs)

    def filter_articles(self, articles):
        tag_page(self.request, f"list:tag:{self.tag.pk}", f"tag:{self.tag.pk}")
        return articles.tagged(self.tag)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class AuthorDetailView(PublishedListMixin, ListView):
    template_name = "articles/author_detail.html"

    def get(self, request, *args, **kwargs):
        self.author = get_object_or_404(Author, slug=kwargs["slug"])
        return super().get(request, *args, **kwargs)

    def filter_articles(self, articles):
        tag_page(self.request, f"list:author:{self.author.pk}", f"author:{self.author.pk}")
        return articles.by_author(self.author)

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


class ArticleDetailView(DetailView):
    context_object_name = "article"
    # Its pages are kept in the database too (pagecache.stored): read for years, mostly by
    # readers nobody else came with.
    keeps_stored_pages = True

    def get_queryset(self):
        return self.readable_articles().for_reading().prefetch_related("corrections")

    def readable_articles(self):
        """Return what this request may read: published, plus what the staff user may preview."""
        user = self.request.user
        if not user.has_perm("articles.change_article"):
            return Article.objects.published()
        # Editors preview everything; writers their own articles.
        previewable = Article.objects.visible_to(user).values("pk")
        return Article.objects.filter(published_q() | Q(pk__in=previewable))

    def get_object(self, queryset=None):
        if queryset is not None or self.request.user.has_perm("articles.change_article"):
            article = super().get_object(queryset)
            with_gallery_photos([article])
            return article
        # Readers all see the same published article: loaded (with bylines, tags and
        # corrections) once per content generation, like the fragments around it.
        article = cached_fragment(
            self.request,
            f"article:{self.kwargs['slug']}",
            self.find_published,
            # Not found yet: a publication (list:all) may bring it.
            tags=lambda found: cachetags.article_entity_tags(found) if found else [cachetags.LIST_ALL],
        )
        if article is None:
            raise Http404("No such article.")
        return article

    def find_published(self):
        article = self.get_queryset().filter(slug=self.kwargs["slug"]).first()
        # A gallery's photos are kept with it: one more query, only for galleries.
        with_gallery_photos([article])
        return article

    def get(self, request, *args, **kwargs):
        try:
            self.object = self.get_object()
        except Http404:
            # Only what readers once saw answers 410; a withdrawn draft stays a plain 404.
            withdrawn = Article.objects.gone().filter(slug=kwargs["slug"]).first()
            if withdrawn is None:
                return self.old_slug_redirect(kwargs["slug"])
            tag_page(request, cachetags.article_tag(withdrawn.pk))
            response = self.response_class(
                request=request,
                template="articles/article_withdrawn.html",
                context={"article": withdrawn},
                status=410,
            )
            return response
        canonical = self.address(self.object)
        if request.path != canonical:
            # Section or date in the address is stale: send readers to the one true URL.
            return redirect(canonical, permanent=True)
        self.coverage = None
        if self.object.is_live_coverage:
            self.coverage = live.coverage_for(request, self.object)
            self.object = live.with_coverage(self.object, self.coverage)
        context = self.get_context_data(object=self.object)
        response = self.render_to_response(context)
        if context["is_preview"]:
            add_never_cache_headers(response)
        elif self.object.is_live():
            # Readers poll it: a CDN keeps it briefly; rendered again at every update, never stored.
            response.cdn_seconds = live.CDN_SECONDS
        else:
            keep_stored(response)
        return response

    def old_slug_redirect(self, slug):
        """Answer a renamed article's old address with 301 straight to its current one (no chains)."""
        old = ArticleOldSlug.objects.filter(slug=slug).first()
        if old is None:
            raise Http404("No such article.")
        visible = self.readable_articles() | Article.objects.gone()
        article = visible.select_related("section").filter(pk=old.article_id).first()
        if article is None:
            raise Http404("No such article.")
        tag_page(self.request, cachetags.article_tag(article.pk))
        return redirect(self.address(article), permanent=True)

    def address(self, article):
        """Return the one address this view shows article at."""
        return article.get_absolute_url()

    def get_context_data(self, **kwargs):
        article = self.object
        tree = section_tree(self.request)
        section = tree.by_id.get(article.section_id, article.section)
        crumbs = section.ancestors(include_self=True)
        tag_page(self.request, *cachetags.article_entity_tags(article, crumbs))
        coverage = getattr(self, "coverage", None)
        providers = article_embed_providers(article)
        if coverage is not None:
            providers = list(dict.fromkeys([*providers, *live.embed_providers(article, coverage)]))
        return super().get_context_data(
            is_preview=not article.is_published(),
            breadcrumbs=crumbs,
            gallery_photos=gallery_photos(article),
            embed_providers=providers,
            coverage=coverage,
            poll_seconds=live.POLL_SECONDS,
            **kwargs,
        )

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        # Click-to-load embeds: the CSP lets in these providers' frames, on this page only.
        return allow_embed_frames(self.request, response, context.get("embed_providers"))


class ArticlePhotoView(ArticleDetailView):
    """One photo of a published gallery at its own address (…/foto/3/): the gallery page, from that photo.

    Readable exactly when the gallery is: the article is found by ArticleDetailView.
    """

    template_name = "articles/article_detail.html"

    def get_object(self, queryset=None):
        article = super().get_object(queryset)
        if article.kind != Article.Kind.GALLERY or not 1 <= self.kwargs["number"] <= len(
            article.photos.all()
        ):
            raise Http404("No such photo.")
        return article

    def address(self, article):
        return photo_path(article, self.kwargs["number"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        photos = context["gallery_photos"]
        photo = photos[self.kwargs["number"] - 1]
        # Shared, the photo shows itself: its 16:9 crop (the original's shape until crops are made).
        image_url, _width, _height = seo.image_file(photo.image, ratio="16:9")
        number = self.kwargs["number"]
        context.update(
            current_photo=photo,
            # From this photo on, then the ones before it: it comes first, without a shift to reach it.
            gallery_shown=photos[number - 1 :] + photos[: number - 1],
            photo_image_url=self.request.build_absolute_uri(image_url),
            photo_jsonld=seo.jsonld_script(
                seo.photo_graph(self.request, self.object, photo, photos, context["breadcrumbs"])
            ),
        )
        return context


@query_parameters("sejak")
class LiveUpdatesView(ArticleDetailView):
    """…/<slug>/pembaruan/?sejak=N: what changed in a coverage after position N, as JSON for its page.

    Served from the page cache like the page (one copy per position, all gone
    stale at the next change); a reader's poll that finds nothing new is a 304.
    """

    keeps_stored_pages = False

    def get(self, request, *args, **kwargs):
        article = self.get_object()
        if not article.is_live_coverage:
            raise Http404("This article is not live coverage.")
        canonical = self.address(article)
        if request.path != canonical:
            return redirect(canonical, permanent=True)
        coverage = live.coverage_for(request, article)
        article = live.with_coverage(article, coverage)
        since = request.GET.get("sejak", "0")
        if not since.isascii() or not since.isdigit() or len(since) > 9 or int(since) > coverage.sequence:
            return HttpResponseBadRequest(
                "sejak must be a position this coverage has reached (the page's data-live-sequence)",
                content_type="text/plain; charset=utf-8",
            )
        response = JsonResponse(live.changes_since(request, article, coverage, int(since)))
        # The coverage's state, whatever the position asked from: a page that applied the answer
        # up to position N asks from N next, and while nothing changes that is a 304 too.
        response["ETag"] = live.state_etag(article, coverage)
        response.etag_from_view = True  # kept by the page cache (pagecache/middleware.py)
        response.cdn_seconds = live.CDN_SECONDS
        response["X-Robots-Tag"] = "noindex"
        return response

    def address(self, article):
        return article.get_absolute_url() + "pembaruan/"


class ArticlePreviewView(ArticleDetailView):
    """An unpublished article as readers will see it, through a signed, expiring share link."""

    template_name = "articles/article_detail.html"

    def get(self, request, *args, token, **kwargs):
        queryset = Article.objects.for_reading().prefetch_related("corrections")
        article = article_for_preview_token(token, queryset)
        if article is None or article.status == Article.Status.WITHDRAWN:
            raise Http404("This preview link is invalid, expired or revoked.")
        if article.is_published():
            # Nothing left to preview: the article is public now.
            return redirect(article.get_absolute_url())
        self.object = with_gallery_photos([article])[0]
        response = self.render_to_response(self.get_context_data(object=article, is_shared_preview=True))
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = "noindex, nofollow"
        # The token must not leak to other sites through the Referer header.
        response["Referrer-Policy"] = "no-referrer"
        return response


class PageDetailView(DetailView):
    """/halaman/<slug>/, or /halaman/<parent>/<child>/ for a page inside another."""

    model = Page

    def get(self, request, *args, **kwargs):
        path = kwargs["path"].strip("/")
        slug = path.rsplit("/", 1)[-1]
        self.object = get_object_or_404(Page.objects.select_related("parent__parent"), slug=slug)
        if self.object.path != path:
            # The page moved in the tree, or the address skipped its parents.
            return redirect(self.object.get_absolute_url(), permanent=True)
        tag_page(request, f"page:{self.object.pk}")
        return self.render_to_response(self.get_context_data(object=self.object))


@query_parameters("q", "section", "from", "to", "page")
class SearchView(ListView):
    """/cari/?q=...&section=...&from=YYYY-MM-DD&to=YYYY-MM-DD: ranked, highlighted, published only."""

    template_name = "articles/search.html"
    paginate_by = 10
    paginator_class = ArchivePaginator
    allow_empty = True

    def get(self, request, *args, **kwargs):
        self.tree = section_tree(request)
        self.form = SearchForm(request.GET, sections=self.tree.by_slug)
        if not self.form.is_valid():
            self.object_list = Article.objects.none()
            return self.render_to_response(self.get_context_data(), status=400)
        self.query = self.form.cleaned_data["q"]
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        data = self.form.cleaned_data
        results = search_articles(
            Article.objects.published(),
            query=data["q"],
            section=data["section"],
            start=data["start"],
            end=data["end"],
        )
        # PostgreSQL cuts snippets itself; the SQLite fallback needs the bodies in Python.
        return results.for_listing() if uses_postgres_search() else results.for_reading()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(form=self.form, sections=self.tree, **kwargs)
        if self.form.is_valid() and context["object_list"]:
            results = highlight_results(context["object_list"], query=self.query)
            context["object_list"] = context["article_list"] = results
        data = self.form.cleaned_data if self.form.is_valid() else {}
        context.update(
            query=data.get("q", ""),
            selected_section=data.get("section"),
            has_filters=bool(data.get("section") or data.get("start") or data.get("end")),
        )
        return context


@query_parameters("date", "section", "page")
class ArticleIndexView(ListView):
    """/indeks/?date=YYYY-MM-DD&section=slug: every published article of one day, Jakarta time."""

    template_name = "articles/article_index.html"
    paginate_by = 100
    paginator_class = ArchivePaginator
    allow_empty = True

    def get(self, request, *args, **kwargs):
        self.tree = section_tree(request)
        self.today = timezone.localdate()
        self.form = ArticleIndexForm(request.GET, sections=self.tree.by_slug)
        if not self.form.is_valid():
            self.day, self.section = self.today, None
            self.object_list = Article.objects.none()
            return self.render_to_response(self.get_context_data(), status=400)
        self.day = self.form.cleaned_data["date"] or self.today
        self.section = self.form.cleaned_data["section"]
        tag_page(request, f"list:day:{self.day.isoformat()}")
        response = super().get(request, *args, **kwargs)
        if not self.form.cleaned_data["date"]:
            # "Today" ends at midnight, Jakarta time: the cached page with it.
            tomorrow = timezone.make_aware(
                datetime.combine(self.today + timedelta(days=1), datetime.min.time())
            )
            response.page_cache_seconds = max(
                1, min(int((tomorrow - timezone.now()).total_seconds()), settings.PAGE_CACHE_SECONDS)
            )
        return response

    def get_queryset(self):
        articles = Article.objects.published().published_on(self.day)
        if self.section is not None:
            articles = articles.in_section(self.section)
        return articles.for_listing().order_by("-published_at", "-pk")

    def get_context_data(self, **kwargs):
        previous_day = self.day - timedelta(days=1)
        next_day = self.day + timedelta(days=1)
        context = super().get_context_data(
            form=self.form,
            day=self.day,
            today=self.today,
            is_today=self.day == self.today,
            previous_day=previous_day if previous_day.year >= 1900 else None,
            next_day=next_day if next_day <= self.today else None,
            section=None,
            index_section=self.section,
            sections=self.tree,
            **kwargs,
        )
        # The canonical address names the day (unless today), the section and the page.
        canonical = QueryDict(mutable=True)
        if self.day != self.today:
            canonical["date"] = self.day.isoformat()
        if self.section is not None:
            canonical["section"] = self.section.slug
        page_obj = context.get("page_obj")
        if page_obj is not None and page_obj.number > 1:
            canonical["page"] = page_obj.number
        context["canonical_query"] = canonical.urlencode()
        return context


# Crawlers, link previewers and audit tools fetch pages but are not readers.
BOT_USER_AGENT_RE = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|lighthouse|headless|python|curl|wget|httpclient",
    re.IGNORECASE,
)


def is_cross_site(request):
    """Return True if a browser says another site sent this request (Sec-Fetch-Site, else Origin).

    Browsers always send one of them on a cross-site POST, and pages can't remove them; a
    request with neither comes from no browser page, and the per-reader limits still apply.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site != "same-origin"
    origin = request.headers.get("Origin")
    if origin is not None:
        return urlsplit(origin).netloc.lower() != request.get_host().lower()
    return False


# The beacon is one small form field ("article=<id>"); anything bigger is refused unread.
READ_BEACON_MAX_BYTES = 1024


@csrf_exempt  # Sent by navigator.sendBeacon from cached pages, which carry no CSRF token; it only counts.
@require_POST
@never_cache
def read_beacon(request):
    """Count one read of a published article per reader and hour: the beacon static/js/site.js sends."""
    if is_cross_site(request):
        return HttpResponseForbidden("reads are counted from this site's own pages only")
    address = get_client_ip_address(request) or ""
    if reader_over_rate_limit(address=address):
        return HttpResponse("too many reads from this address; try again in a minute", status=429)
    declared = request.META.get("CONTENT_LENGTH") or ""
    if not declared.isdigit() or int(declared) > READ_BEACON_MAX_BYTES:
        return HttpResponseBadRequest("the body must be article=<id> with its Content-Length")
    # A client that closes early leaves a cut-off body ("article=12" of "article=123"): never a read.
    if len(request.body) != int(declared):
        return HttpResponseBadRequest("the body is shorter than its Content-Length")
    user_agent = request.headers.get("User-Agent", "")
    if not user_agent or BOT_USER_AGENT_RE.search(user_agent):
        return HttpResponse(status=204)
    if request.headers.get("Sec-Purpose", "").startswith("prefetch"):
        return HttpResponse(status=204)
    raw_id = request.POST.get("article", "")
    if not raw_id.isascii() or not raw_id.isdigit() or len(raw_id) > 18:
        return HttpResponseBadRequest("article must be an article id")
    article_id = int(raw_id)
    if not Article.objects.published().filter(pk=article_id).exists():
        raise Http404("No such published article.")
    article_count_first_read(article_id=article_id, address=address, user_agent=user_agent)
    return HttpResponse(status=204)
