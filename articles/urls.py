from django.urls import path, register_converter

from . import converters, views

register_converter(converters.FourDigitYearConverter, "yyyy")
register_converter(converters.TwoDigitConverter, "mm")

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("halaman/<slug:slug>/", views.PageDetailView.as_view(), name="page"),
    path("tag/<slug:slug>/", views.TagDetailView.as_view(), name="tag"),
    path("penulis/<slug:slug>/", views.AuthorDetailView.as_view(), name="author"),
    path("pratinjau/<str:token>/", views.ArticlePreviewView.as_view(), name="preview"),
    path(
        "<slug:section>/<yyyy:year>/<mm:month>/<mm:day>/<slug:slug>/",
        views.ArticleDetailView.as_view(),
        name="detail",
    ),
    path("<slug:slug>/", views.SectionDetailView.as_view(), name="section"),
    path("<slug:parent_slug>/<slug:slug>/", views.SectionDetailView.as_view(), name="child-section"),
]
