"""Developer tools (make bench, make loadtest, make bench-data): never imported by the site.

A plain package, not a Django app: nothing here is in INSTALLED_APPS, so production's
settings, checks and `manage.py help` never see the benchmark tooling.
"""
