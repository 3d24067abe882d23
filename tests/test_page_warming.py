"""Deferred warming: a long run of changes renders the pages again once, at its end."""

import pytest

from pagecache import warming


@pytest.fixture
def asked(settings):
    settings.PAGE_CACHE_WARM = True
    settings.PAGE_CACHE_SECONDS = 60
    calls = []
    previous = warming._warmer

    def record(tags):
        calls.append(tags)
        return []  # nothing to render: no thread is started

    warming.register_warmer(record)
    yield calls
    warming.register_warmer(previous)


def test_changes_inside_the_block_are_warmed_once_at_its_end(asked):
    with warming.warming_deferred():
        warming.warm_after_change(None, {"section:1"}, hard=False)
        warming.warm_after_change(None, {"tag:2", "section:1"}, hard=False)
        assert asked == []
    assert asked == [frozenset({"section:1", "tag:2"})]


def test_an_everything_change_inside_the_block_warms_everything(asked):
    with warming.warming_deferred():
        warming.warm_after_change(None, {"section:1"}, hard=False)
        warming.warm_after_change(None, None, hard=False)
    assert asked == [None]


def test_a_block_without_changes_warms_nothing_and_warming_resumes_after_it(asked):
    with warming.warming_deferred():
        pass
    assert asked == []
    warming.warm_after_change(None, {"home"}, hard=False)
    assert asked == [{"home"}]
