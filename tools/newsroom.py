"""make bench's newsroom part: the long tail, the reader mix with an editor publishing, the targets.

A newsroom's traffic is not one warm page asked again and again. Two runs show it:
- long tail: distinct published articles from the whole archive, each asked once
  in the run (readers from search, Discover, crawlers);
- reader mix: 30 % home, 15 % section first pages, 35 % the day's hot articles
  (the newest HOT_ARTICLES, Zipf popularity), 20 % long tail, while an editor
  publishes a new article through the admin every BENCH_PUBLISH_EVERY seconds.
Both read their tail from one shuffled list of article addresses, split in two so
that neither run asks for an address the other asked for. wrk's threads walk the
list with a stride (thread i takes i, i + threads, ...), so they never repeat each
other; a run that reaches the end of its list counts its repeats, and says so.
"""

import os
import random
import tempfile

import tools.wrk

MIX = {"home": 30, "section": 15, "hot": 35, "tail": 20}
HOT_ARTICLES = 50
ZIPF_EXPONENT = 1.0
HOT_SLOTS = 1000  # the hot list as Lua sees it: each article repeated by its Zipf weight
TAIL_COUNTERS = ["repeats"]
MIX_COUNTERS = ["repeats", *(f"n_{kind}" for kind in MIX)]

# Targets of issue 12, as a share of the static file's requests/s in the same run,
# with a p99 bound and "no errors" where the issue sets them.
TARGETS = {
    "hot article": {"share": 0.70},
    "long tail": {"share": 0.10, "p99": 150},
    "home": {"share": 0.70},
    "section p1": {"share": 0.70},
    "mix": {"share": 0.25, "p99": 250, "no_errors": True},
}

# The tail walk and the report both scripts share. `id` is set by setup() before init();
# every counter is a global so that done() can read it from each thread.
LUA_COMMON = """
local thread_count = 0
local threads = {}
setup = function(thread)
  thread_count = thread_count + 1
  thread:set("id", thread_count)
  table.insert(threads, thread)
end
load_tail = function()
  tail = {}
  for line in io.lines("TAIL_FILE") do tail[#tail + 1] = line end
  tail_next = 0
  repeats = 0
end
next_tail = function()
  local index = id + tail_next * STRIDE
  tail_next = tail_next + 1
  if index > #tail then
    repeats = repeats + 1
    index = (index - 1) % #tail + 1
  end
  return tail[index]
end
done = function(summary, latency, requests)
  for _, name in ipairs(COUNTERS) do
    local total = 0
    for _, thread in ipairs(threads) do total = total + (thread:get(name) or 0) end
    io.write("script " .. name .. ": " .. total .. "\\n")
  end
end
"""

TAIL_LUA = """
init = function(args) load_tail() end
request = function() return wrk.format(nil, next_tail()) end
"""

# wrk's math.random starts from the same seed in every thread: seed each thread apart.
MIX_LUA = """
kinds = KINDS
sections = SECTIONS
hot = HOT
init = function(args)
  math.randomseed(SEED + id * 7919)
  load_tail()
  n_home, n_section, n_hot, n_tail = 0, 0, 0, 0
end
request = function()
  local kind = kinds[math.random(#kinds)]
  local path
  if kind == "home" then
    n_home = n_home + 1
    path = "/"
  elseif kind == "section" then
    n_section = n_section + 1
    path = sections[math.random(#sections)]
  elseif kind == "hot" then
    n_hot = n_hot + 1
    path = hot[math.random(#hot)]
  else
    n_tail = n_tail + 1
    path = next_tail()
  end
  return wrk.format(nil, path)
end
"""


def zipf_weights(count, exponent=ZIPF_EXPONENT):
    """Return the Zipf popularity of ranks 1..count (rank r ∝ 1 / r**exponent), summing to 1."""
    raw = [1 / rank**exponent for rank in range(1, count + 1)]
    total = sum(raw)
    return [weight / total for weight in raw]


def weighted_slots(weights, slots):
    """Return `slots` indices, index i repeated in proportion to weights[i] (largest remainder),
    so that a uniform pick among them follows the weights."""
    total = sum(weights)
    exact = [weight * slots / total for weight in weights]
    counts = [int(share) for share in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in by_remainder[: slots - sum(counts)]:
        counts[i] += 1
    return [i for i, count in enumerate(counts) for _ in range(count)]


def mix_kinds(mix=MIX):
    """Return the mix as 100 kind names, each as often as its percentage."""
    names = list(mix)
    return [names[i] for i in weighted_slots(list(mix.values()), 100)]


def lua_strings(values):
    for value in values:
        if '"' in value or "\\" in value or "\n" in value:
            raise ValueError(f"not a plain path: {value!r}")
    return "{" + ", ".join(f'"{value}"' for value in values) + "}"


def lua_script(body, *, tail_file, threads, counters, **values):
    script = LUA_COMMON.replace("TAIL_FILE", tail_file).replace("STRIDE", str(threads))
    script = script.replace("COUNTERS", lua_strings(counters)) + body
    for name, value in values.items():
        script = script.replace(name, value)
    return script


def target_met(name, result, static_rps):
    """Whether a newsroom row meets its target; None for rows without one (the static file)."""
    target = TARGETS.get(name)
    if target is None:
        return None
    met = result["rps"] >= target["share"] * static_rps
    if "p99" in target:
        met = met and result["p99"] < target["p99"]
    if target.get("no_errors"):
        met = met and result["errors"] + result["socket_errors"] == 0
    return met


def target_text(name):
    target = TARGETS.get(name)
    if target is None:
        return "(ceiling)"
    text = f">= {target['share']:.0%}"
    if "p99" in target:
        text += f", p99 < {target['p99']} ms"
    if target.get("no_errors"):
        text += ", no errors"
    return text


def reader_urls(stack, seed_article):
    """Return the hot articles (the newest HOT_ARTICLES), the top sections' first pages and the
    long tail: every other published article, from the whole archive, in random order."""
    lines = stack.shell_lines(
        "from articles.models import Article, Section\n"
        "for section in Section.objects.in_navigation():\n"
        "    print('section', section.get_absolute_url())\n"
        "articles = Article.objects.published().select_related('section').order_by('-published_at', '-pk')\n"
        "fields = ('slug', 'published_at', 'created_at', 'section__slug')\n"
        "for article in articles.only(*fields).iterator(5000):\n"
        "    print('article', article.get_absolute_url())\n"
    )
    sections = [line.split()[1] for line in lines if line.startswith("section ")]
    articles = [line.split()[1] for line in lines if line.startswith("article ")]
    hot, tail = articles[:HOT_ARTICLES], [url for url in articles[HOT_ARTICLES:] if url != seed_article]
    random.Random(os.urandom(8)).shuffle(tail)
    return hot, sections, tail


def write_lines(lines):
    file = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
    file.write("\n".join(lines) + "\n")
    file.close()
    return file.name


def long_tail(stack, tail, *, duration, connections, threads):
    tail_file = write_lines(tail)
    try:
        script = lua_script(TAIL_LUA, tail_file=tail_file, threads=threads, counters=TAIL_COUNTERS)
        return tools.wrk.run(
            stack.base + "/", duration=duration, connections=connections, threads=threads, script=script
        )
    finally:
        os.unlink(tail_file)


def reader_mix(stack, editor, readers, *, seconds, connections, threads):
    """Run the mix for `seconds` while editor (an Editor, not started) publishes; then check that
    every publication is visible. readers: (hot, sections, tail) from reader_urls()."""
    hot, sections, tail = readers
    for path in ["/", *sections, *hot]:
        stack.get(path)  # a site that has been running: its readers already asked for these
    hot_slots = [hot[i] for i in weighted_slots(zipf_weights(len(hot)), HOT_SLOTS)]
    tail_file = write_lines(tail)
    try:
        script = lua_script(
            MIX_LUA,
            tail_file=tail_file,
            threads=threads,
            counters=MIX_COUNTERS,
            KINDS=lua_strings(mix_kinds()),
            SECTIONS=lua_strings(sections),
            HOT=lua_strings(hot_slots),
            SEED=str(random.SystemRandom().randrange(1, 2**31)),
        )
        editor.start()
        result = tools.wrk.run(
            stack.base + "/", duration=f"{seconds}s", connections=connections, threads=threads, script=script
        )
    finally:
        editor.finish()
        os.unlink(tail_file)
    result["published"], result["failures"] = editor.published, editor.failures
    result["invisible"] = stack.invisible(editor.published)
    return result


def print_mix(result, static_rps, seconds, publish_every):
    counts = {kind: int(result["lines"].get(f"n_{kind}", 0)) for kind in MIX}
    total = sum(counts.values()) or 1
    shares = ", ".join(f"{kind} {count / total:.0%}" for kind, count in counts.items())
    heading = f"reader mix, {seconds}s, a publication every {publish_every}s"
    print(f"\n{heading}: {result['requests']:,} requests ({shares})")
    print(
        f"  {result['rps']:.0f} r/s ({result['rps'] / static_rps:.0%} of static), p50 {result['p50']:.1f}ms, "
        f"p99 {result['p99']:.1f}ms; non-2xx/3xx {result['errors']}, socket errors {result['socket_errors']} "
        f"(timeouts {result['timeouts']}); long-tail repeats {result['lines'].get('repeats', '?')}"
    )
    print(
        f"  publications: {len(result['published'])} done, {len(result['failures'])} failed, "
        f"{len(result['invisible'])} not visible afterwards {result['invisible'][:3]}"
    )
    for failure in result["failures"][:5]:
        print(f"    {failure}")


def warn_repeats(name, result):
    repeats = int(result["lines"].get("repeats", 0))
    if repeats:
        print(f"  WARNING: {name} ran out of distinct articles: {repeats:,} requests repeated an address")


def print_newsroom(rows, static_rps):
    """rows: name -> wrk result, for static, hot article, long tail, home, section p1 and mix."""
    print("\nnewsroom (issue 12 targets; ratios to the static file in this run)\n")
    header = (
        f"{'page':14} {'r/s':>8} {'p50':>9} {'p99':>9} {'errors':>7} {'/static':>8}  {'target':32} result"
    )
    print(header)
    print("-" * len(header))
    for name, result in rows.items():
        met = target_met(name, result, static_rps)
        verdict = {None: "", True: "met", False: "MISSED"}[met]
        print(
            f"{name:14} {result['rps']:8.0f} {result['p50']:7.1f}ms {result['p99']:7.1f}ms "
            f"{result['errors'] + result['socket_errors']:7} {result['rps'] / static_rps:8.0%}  "
            f"{target_text(name):32} {verdict}",
            flush=True,
        )
