"""Database sessions whose keys carry a signature, so a made-up session cookie is refused without a query.

Only staff log in, and a logged-in request must skip the page cache; anyone
can send a `sessionid` cookie, though. With a plain key, telling a real session
from a forged one needs a database query, and each forged cookie would cost an
uncached page and that query. Here a key is 24 random characters and 16 of an
HMAC of them (SECRET_KEY, or one of SECRET_KEY_FALLBACKS while rotating): a key
without a valid tag is invalid to Django before any lookup.

Sessions made before this engine (untagged keys) count as logged out.
"""

from django.conf import settings
from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.utils.crypto import constant_time_compare, get_random_string, salted_hmac

RANDOM_LENGTH = 24  # 36**24: about 124 bits
TAG_LENGTH = 16  # 64 bits of HMAC-SHA256; the key fits django_session's 40 characters
SALT = "newsportal.sessions.SessionStore"


def tag(random_part, secret=None):
    return salted_hmac(SALT, random_part, secret=secret, algorithm="sha256").hexdigest()[:TAG_LENGTH]


def is_signed_key(key):
    """Return True if key is one this engine made (checked with the current and fallback secrets)."""
    if not isinstance(key, str) or len(key) != RANDOM_LENGTH + TAG_LENGTH:
        return False
    random_part, signature = key[:RANDOM_LENGTH], key[RANDOM_LENGTH:]
    return any(
        constant_time_compare(signature, tag(random_part, secret))
        for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    )


def new_key():
    random_part = get_random_string(RANDOM_LENGTH, VALID_KEY_CHARS)
    return random_part + tag(random_part)


class SessionStore(db.SessionStore):
    def _validate_session_key(self, key):
        return is_signed_key(key)

    def _get_new_session_key(self):
        while True:
            key = new_key()
            if not self.exists(key):
                return key

    async def _aget_new_session_key(self):
        while True:
            key = new_key()
            if not await self.aexists(key):
                return key
