from django.urls import path, register_converter

from . import converters, feeds, views

register_converter(converters.FourDigitYearConverter, "yyyy")
register_converter(converters.TwoDigitConverter, "mm")

app_name = "articles"

# Order matters: the site's own top-level words (feed, cari, indeks, tag, penulis,
# halaman; all in models.RESERVED_SLUGS) come before the catch-all section patterns,
# and "<section>/feed/" before "<parent>/<child>/".
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("feed/", feeds.LatestArticlesFeed(), name="feed"),
    path("feed/atom/", feeds.LatestArticlesAtomFeed(), name="atom-feed"),
    path("cari/", views.SearchView.as_view(), name="search"),
    path("indeks/", views.ArticleIndexView.as_view(), name="index"),
    path("halaman/<path:path>/", views.PageDetailView.as_view(), name="page"),
    path("tag/<slug:slug>/", views.TagDetailView.as_view(), name="tag"),
    path("tag/<slug:slug>/feed/", feeds.TagFeed(), name="tag-feed"),
    path("tag/<slug:slug>/feed/atom/", feeds.TagAtomFeed(), name="tag-atom-feed"),
    path("penulis/<slug:slug>/", views.AuthorDetailView.as_view(), name="author"),
    path("pratinjau/<str:token>/", views.ArticlePreviewView.as_view(), name="preview"),
    path(
        "<slug:section>/<yyyy:year>/<mm:month>/<mm:day>/<slug:slug>/",
        views.ArticleDetailView.as_view(),
        name="detail",
    ),
    # A live coverage's news since a position (its page polls it), and its updates as a feed.
    path(
        "<slug:section>/<yyyy:year>/<mm:month>/<mm:day>/<slug:slug>/pembaruan/",
        views.LiveUpdatesView.as_view(),
        name="live-updates",
    ),
    path(
        "<slug:section>/<yyyy:year>/<mm:month>/<mm:day>/<slug:slug>/feed/",
        feeds.LiveUpdatesFeed(),
        name="live-feed",
    ),
    path(
        "<slug:section>/<yyyy:year>/<mm:month>/<mm:day>/<slug:slug>/feed/atom/",
        feeds.LiveUpdatesAtomFeed(),
        name="live-atom-feed",
    ),
    # One photo of a gallery, with an address of its own to share and index.
    path(
        "<slug:section>/<yyyy:year>/<mm:month>/<mm:day>/<slug:slug>/foto/<int:number>/",
        views.ArticlePhotoView.as_view(),
        name="photo",
    ),
    path("<slug:slug>/", views.SectionDetailView.as_view(), name="section"),
    path("<slug:slug>/feed/", feeds.SectionFeed(), name="section-feed"),
    path("<slug:slug>/feed/atom/", feeds.SectionAtomFeed(), name="section-atom-feed"),
    path("<slug:parent_slug>/<slug:slug>/feed/", feeds.SectionFeed(), name="child-section-feed"),
    path(
        "<slug:parent_slug>/<slug:slug>/feed/atom/", feeds.SectionAtomFeed(), name="child-section-atom-feed"
    ),
    path("<slug:parent_slug>/<slug:slug>/", views.SectionDetailView.as_view(), name="child-section"),
]
