"""make bench's newsroom helpers (tools/newsroom.py, tools/wrk.py): the pure parts, no server, no wrk."""

from collections import Counter

import pytest

import tools.wrk
from tools import newsroom

WRK_REPORT = """Running 8s test @ http://127.0.0.1:8590/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    52.10ms   20.31ms 301.20ms   80.00%
  Latency Distribution
     50%   48.50ms
     75%   60.00ms
     90%   80.00ms
     99%    1.21s
  2400 requests in 8.01s, 120.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:    299.63
Transfer/sec:     14.98MB
script repeats: 0
script n_home: 720
"""


def test_zipf_weights_fall_as_one_over_rank_and_sum_to_one():
    weights = newsroom.zipf_weights(50, 1.0)
    assert sum(weights) == pytest.approx(1)
    assert weights[0] / weights[1] == pytest.approx(2)
    assert weights[0] / weights[49] == pytest.approx(50)


def test_weighted_slots_fill_every_slot_in_proportion():
    slots = newsroom.weighted_slots(newsroom.zipf_weights(50), 1000)
    counts = Counter(slots)
    assert len(slots) == 1000
    assert counts[0] == 222  # 1000 / H(50) = 222.1
    assert all(counts[rank] >= 4 for rank in range(50))  # the 50th still gets its 0.44 %
    assert [counts[rank] for rank in range(50)] == sorted(counts.values(), reverse=True)


def test_mix_kinds_follow_the_issue_percentages():
    assert Counter(newsroom.mix_kinds()) == {"home": 30, "section": 15, "hot": 35, "tail": 20}


def test_lua_strings_refuse_anything_but_plain_paths():
    assert newsroom.lua_strings(["/", "/nasional/"]) == '{"/", "/nasional/"}'
    with pytest.raises(ValueError):
        newsroom.lua_strings(['/a"b/'])


def test_lua_script_fills_every_placeholder():
    script = newsroom.lua_script(
        newsroom.MIX_LUA,
        tail_file="/tmp/tail.txt",
        threads=2,
        counters=newsroom.MIX_COUNTERS,
        KINDS='{"home"}',
        SECTIONS='{"/nasional/"}',
        HOT='{"/a/"}',
        SEED="7",
    )
    for placeholder in ("TAIL_FILE", "STRIDE", "COUNTERS", "KINDS", "SECTIONS", "HOT", "SEED"):
        assert placeholder not in script
    assert 'io.lines("/tmp/tail.txt")' in script and "tail_next * 2" in script


def test_wrk_report_is_read_with_errors_and_script_lines():
    result = tools.wrk.parse(WRK_REPORT)
    assert result["requests"] == 2400
    assert result["rps"] == 299.63
    assert (result["p50"], result["p99"]) == (48.5, 1210)
    assert (result["errors"], result["socket_errors"], result["timeouts"]) == (4, 5, 3)
    assert result["lines"] == {"repeats": "0", "n_home": "720"}


def test_targets_are_met_or_missed_by_share_p99_and_errors():
    def result(rps, p99=10, errors=0, socket_errors=0):
        return {"rps": rps, "p99": p99, "errors": errors, "socket_errors": socket_errors}

    assert newsroom.target_met("static", result(1000), 1000) is None
    assert newsroom.target_met("home", result(700), 1000)
    assert not newsroom.target_met("home", result(699), 1000)
    assert newsroom.target_met("long tail", result(100, p99=149), 1000)
    assert not newsroom.target_met("long tail", result(100, p99=150), 1000)
    assert newsroom.target_met("mix", result(250, p99=249), 1000)
    assert not newsroom.target_met("mix", result(400, p99=100, socket_errors=1), 1000)
    assert newsroom.target_text("mix") == ">= 25%, p99 < 250 ms, no errors"
