"""Site-wide operator tools (no models): `manage.py backup` and `manage.py restore`."""
