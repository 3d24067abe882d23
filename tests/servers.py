"""Helpers for the live tests that run the site in real gunicorn processes."""

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def wait_until(condition, *, seconds=15.0, message="condition"):
    """Poll condition() until it returns something true; fail if the deadline passes first."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds}s waiting for {message} (last: {value!r})")
        time.sleep(0.05)


def answers(url):
    try:
        urllib.request.urlopen(url, timeout=1)
        return True
    except OSError:
        return False


def start_gunicorn(env, *args, log=subprocess.DEVNULL):
    """Start gunicorn with the project's config; return once it answers /healthz.

    Its log goes to a file, never to a pipe nobody reads: a full pipe blocks the workers.
    """
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [gunicorn, "--config", "newsportal/gunicorn.conf.py", *args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        wait_until(
            lambda: server.poll() is not None or answers(f"http://127.0.0.1:{env['PORT']}/healthz"),
            seconds=30,
            message="gunicorn to answer",
        )
    except AssertionError:
        server.kill()
        raise
    assert server.poll() is None, f"gunicorn exited with {server.returncode}"
    return server


def manage(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )


def stop(server):
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
