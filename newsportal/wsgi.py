"""WSGI config for newsportal: Django, with static files answered before it.

Static files (hashed names, cached for a year) are served by WhiteNoise in
front of Django, so they cost what they cost with a bare Django + WhiteNoise:
no middleware runs for them. WhiteNoiseMiddleware stays in MIDDLEWARE for
whatever does not come through here (the test client). Then a page this
process served from its cache a moment ago, to the same kind of request,
while nothing changed since, is answered again before Django
(pagecache/fastpath.py).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsportal.settings")
# Web requests get the short database timeouts (settings.py); commands do not.
os.environ.setdefault("NEWSPORTAL_WEB_PROCESS", "1")

django_application = get_wsgi_application()


def static_files_first(application):
    """Return application behind WhiteNoise, configured from Django's settings as its middleware is."""
    from whitenoise.base import WhiteNoise
    from whitenoise.middleware import WhiteNoiseMiddleware

    class StaticFiles(WhiteNoiseMiddleware):
        def __init__(self):
            super().__init__(get_response=None)
            self.application = application

        # WhiteNoise's own WSGI entry point and WSGI serve(), with the middleware's settings and
        # file list (the middleware's serve() takes a Django request instead).
        __call__ = WhiteNoise.__call__
        serve = staticmethod(WhiteNoise.serve)

    return StaticFiles()


def repeated_hits_first(application):
    """Return application with the page cache's remembered answers in front (pagecache/fastpath.py)."""
    from pagecache import fastpath

    def answer(environ, start_response):
        key = fastpath.request_key(environ)
        if key is not None and (remembered := fastpath.remembered(key)) is not None:
            if (headers := fastpath.not_modified(remembered, environ)) is not None:
                start_response("304 Not Modified", headers)
                return [b""]
            start_response(remembered.status, list(remembered.headers))
            return [remembered.body]
        if key is None:
            return application(environ, start_response)
        started = []

        def recorded_start_response(status, headers, exc_info=None):
            started[:] = [status, headers]
            return start_response(status, headers, exc_info)

        response = application(environ, recorded_start_response)
        if started:
            fastpath.remember(key, response, *started, environ)
        return response

    return answer


application = static_files_first(repeated_hits_first(django_application))
