from django.db import models


class StoredPage(models.Model):
    """A public page's copy kept in the database, under the cache in Redis (pagecache/stored.py)."""

    # sha256 of the scheme and path: what a request finds it by (stored.address_key).
    key = models.CharField(max_length=64, primary_key=True)
    address = models.TextField()
    generation = models.BigIntegerField()
    as_of = models.BigIntegerField()
    tags = models.JSONField(default=list)
    seconds = models.PositiveIntegerField()
    headers = models.JSONField(default=dict)
    # As served, less the site's origin (stored.ORIGIN stands in for it) and the chrome.
    content = models.TextField()
    stored_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.address
