"""
WSGI config for newsportal project.

It exposes the WSGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/6.1/howto/deployment/wsgi/
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsportal.settings")
# Web requests get the short database timeouts (settings.py); commands do not.
os.environ.setdefault("NEWSPORTAL_WEB_PROCESS", "1")

application = get_wsgi_application()
