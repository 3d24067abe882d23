"""Setting up a spawned worker process (articles.precomputed.process_pool).

Kept apart from the models: a spawned child imports its initializer before
Django is set up, and a module that imports models could not be loaded then.
"""


def worker_setup(database_name):
    """Set Django up in a worker, on its parent's database (a test database, say, chosen at run time)."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections

    settings.DATABASES["default"]["NAME"] = database_name
    connections["default"].settings_dict["NAME"] = database_name
