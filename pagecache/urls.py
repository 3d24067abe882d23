from django.urls import path

from .views import chrome_part

app_name = "pagecache"
urlpatterns = [
    path("_chrome/<slug:name>/", chrome_part, name="chrome-part"),
    path("_chrome/<slug:name>/<str:argument>/", chrome_part, name="chrome-part"),
]
