import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    # The cache may be a shared Redis (REDIS_URL in CI): no test sees another's pages.
    cache.clear()
    yield
    cache.clear()
