"""The README's shell blocks, run as written in a fresh copy of the checkout after `make run`.

The copy holds what a clone would (tracked and new, not ignored files: no .env, no var/),
shares this checkout's .venv (the Makefile's stamps are copied with their times, so
`make run` installs nothing), and runs with none of the project's variables set: the
commands must work on what `make run` leaves behind, the .env it writes.
"""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.live,
    pytest.mark.skipif(not shutil.which("make") or not shutil.which("git"), reason="needs make and git"),
    pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "python").exists(), reason="needs the checkout's .venv"),
]

# Commands the README shows that this test does not run, each with the reason.
# Every other command in a ```sh block runs and must exit 0.
NOT_RUN = {
    "make run": "the server this test starts first, in the background",
    "make test": "the suite this test is part of",
    "make test-fast": "the same suite, without this test",
    "SECRET_KEY=... ALLOWED_HOSTS=news.example.com": "production, with placeholders for its own values",
    ".venv/bin/python manage.py import_articles FILE...": "the synopsis; the example below it runs",
    "make audit": "Lighthouse takes minutes; tests/test_audit.py runs the Nu and axe checks",
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsportal": "CI's own run of make test",
    "make bench-data": "100,000 articles; make bench and make loadtest need PostgreSQL, Redis and wrk",
    "make bench": "PostgreSQL, Redis and wrk, minutes of load",
    "make loadtest": "PostgreSQL, Redis and wrk, a minute of load",
    "varnishd -a :80": "production: port 80, in front of running app servers (tests/test_varnish_live.py)",
}
# Not in the README, but "every manage.py command" includes the one everyone types next.
EXTRA = [
    "DJANGO_SUPERUSER_PASSWORD=readme-test-password-0123 .venv/bin/python manage.py createsuperuser"
    " --noinput --username readme --email readme@example.com"
]
# Variables a developer or the test run may have set; the fresh checkout sees none of them.
KEEP_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYENV_ROOT", "PYENV_VERSION")


def readme_commands(text):
    """Return the commands of the README's ```sh blocks, continuation lines joined."""
    commands, language, lines = [], None, []
    for line in text.splitlines():
        fence = re.fullmatch(r"\s*```(\w*)\s*", line)
        if fence and language is None:
            language, lines = fence.group(1), []
        elif fence:
            if language == "sh":
                joined = "\n".join(lines).replace("\\\n", " ")
                commands += [" ".join(command.split()) for command in joined.splitlines() if command.strip()]
            language = None
        elif language is not None:
            lines.append(line.strip())
    return commands


def matches(command, prefix):
    return command.split(" #")[0].strip() == prefix or command.startswith(prefix + " ")


def skip_reason(command):
    return next((reason for prefix, reason in NOT_RUN.items() if matches(command, prefix)), None)


def test_every_command_is_in_a_sh_block():
    # An indented (or unlabelled) block would escape this test; the README fences commands as ```sh.
    stray = [
        line
        for line in README.read_text().splitlines()
        if re.match(r"( {4,}|\t)(make |\.venv/bin/|[A-Z_]+=\S* make )", line) and "```" not in line
    ]
    assert stray == []


def test_every_skipped_command_is_still_in_the_readme():
    commands = readme_commands(README.read_text())
    assert [prefix for prefix in NOT_RUN if not any(matches(command, prefix) for command in commands)] == []


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_checkout(target):
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():  # A tracked file deleted in the working tree is gone from the next commit.
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)  # copy2 keeps the times make compares
    (target / ".venv").symlink_to(ROOT / ".venv")


def wait_for(url, server, deadline):
    while time.monotonic() < deadline:
        if server.poll() is not None:
            server.stdout.seek(0)  # the log file: show what make printed from the start
            pytest.fail(f"make run exited with {server.returncode}:\n{server.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    pytest.fail(f"make run did not answer {url} in time")


def test_readme_commands_work_as_written_after_make_run(tmp_path):
    commands = readme_commands(README.read_text())
    assert "make run" in [c.split(" #")[0].strip() for c in commands]
    checkout = tmp_path / "newsportal"
    fresh_checkout(checkout)
    port = free_port()
    env = {name: os.environ[name] for name in KEEP_ENV if name in os.environ} | {"PORT": str(port)}
    log = (tmp_path / "make-run.log").open("w+")
    server = subprocess.Popen(
        ["make", "run"], cwd=checkout, env=env, stdout=log, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )  # fmt: skip
    server.stdout = log
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", server, time.monotonic() + 600)
        env_file = checkout / ".env"
        assert env_file.stat().st_mode & 0o777 == 0o600
        assert re.search(r"^SECRET_KEY=\S{40,}$", env_file.read_text(), re.M)

        ran = []
        for command in [c for c in commands if not skip_reason(c)] + EXTRA:
            # The restore example names a dated folder; use the one the backup example just made.
            if " restore " in command:
                made = sorted((checkout / "var" / "backups").iterdir())[-1].name
                command = re.sub(r"(var/backups/)\d{8}-\d{6}", rf"\g<1>{made}", command)
            result = subprocess.run(
                ["bash", "-c", command], cwd=checkout, env=env, capture_output=True, text=True, timeout=300
            )
            assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
            ran.append(command)
        assert any("import_articles" in c for c in ran) and any(" backup " in c for c in ran)
        # The site still answers after a restore under it.
        assert wait_for(f"http://127.0.0.1:{port}/", server, time.monotonic() + 30) == 200
    finally:
        with contextlib.suppress(ProcessLookupError):  # make may have exited with its whole group
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
