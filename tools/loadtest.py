"""make loadtest: 64 readers and a working editor on the production stack, bounded in time.

Readers (wrk, 64 connections) spread over home, sections, articles, tags,
search and feeds while an editor publishes a new article and edits another
through the admin every few seconds. Afterwards every article the editor
published must be visible, and the run fails on any 5xx or failed save.
Everything runs on 127.0.0.1 against its own database (newsportal_loadtest).
"""

import os
import re
import subprocess
import sys
import tempfile

from tools.stack import Editor, Stack

DURATION = int(os.environ.get("LOADTEST_SECONDS", "60"))
READERS = int(os.environ.get("LOADTEST_READERS", "64"))
EDIT_EVERY = float(os.environ.get("LOADTEST_EDIT_EVERY", "3"))
EDITOR = ("loadtest-editor", "loadtest-editor-password")

stack = Stack(
    database_url=os.environ.get(
        "LOADTEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/newsportal_loadtest"
    ),
    redis_url=os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/8"),
    port=int(os.environ.get("LOADTEST_PORT", "8591")),
)

# wrk: a random reader path per request. Every path answers 200, so any
# "Non-2xx or 3xx" response wrk reports is a failure.
READERS_LUA = """
paths = {%s}
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""


def reader_paths():
    home, _ = stack.get("/")
    articles = sorted(set(re.findall(r'href="(/[\w-]+/\d{4}/\d{2}/\d{2}/[\w-]+/)"', home)))
    sections = sorted(set(re.findall(r'href="(/[a-z-]+/)"', home)) - {"/cari/", "/indeks/", "/feed/"})
    tags = set()
    for article in articles[:5]:
        page, _ = stack.get(article)
        tags.update(re.findall(r'href="(/tag/[\w-]+/)"', page))
    searches = ["/cari/?q=qatar", "/cari/?q=harga", "/cari/?q=banjir+warga", "/cari/?q=%22pasar+induk%22"]
    feeds = ["/feed/", "/nasional/feed/"]
    return ["/", "/", "/"] + articles + sections + sorted(tags) + searches + feeds + ["/indeks/"]


def run_readers(paths):
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write(READERS_LUA % ", ".join(f'"{path}"' for path in paths))
    script.close()
    threads = str(min(4, READERS))
    output = subprocess.run(
        [
            "wrk",
            "-t",
            threads,
            "-c",
            str(READERS),
            "-d",
            f"{DURATION}s",
            "--latency",
            "-s",
            script.name,
            stack.base,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    return output


def main():
    stack.create_database()
    stack.manage("load_demo", "--force", "-v", "0")
    stack.ensure_editor(*EDITOR)
    stack.start()
    try:
        paths = reader_paths()
        section_id = stack.manage(
            "shell",
            "-c",
            "from articles.models import Section; print(Section.objects.get(slug='nasional').pk)",
            capture=True,
        )
        editor = Editor(stack, EDITOR, section_id=section_id, every=EDIT_EVERY)
        editor.start()
        print(f"{READERS} readers, {len(paths)} paths, {DURATION}s; an editor saves every {EDIT_EVERY}s")
        output = run_readers(paths)
        editor.finish()
        missing = stack.invisible(editor.published)
        memory = stack.worker_peak_memory_mb()
    finally:
        stack.stop()
    requests = re.search(r"(\d+) requests in", output).group(1)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)
    p50 = re.search(r"50%\s+(\S+)", output).group(1)
    p99 = re.search(r"99%\s+(\S+)", output).group(1)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    print(f"reader requests      {requests} ({rps}/s), p50 {p50}, p99 {p99}")
    print(f"non-2xx/3xx          {non2xx.group(1) if non2xx else 0}")
    print(f"socket errors        {socket_errors.group(1) if socket_errors else 'none'}")
    saves = f"{len(editor.published)} published, {editor.edits} edited, {len(editor.failures)} failed"
    print(f"editor saves         {saves}")
    for failure in editor.failures[:10]:
        print(f"  {failure}")
    print(f"published but not visible afterwards: {len(missing)} {missing[:5]}")
    print(f"peak memory per gunicorn worker: {', '.join(f'{mb:.0f} MB' for mb in memory)}")
    if non2xx or editor.failures or missing or not editor.published:
        sys.exit(1)


if __name__ == "__main__":
    main()
