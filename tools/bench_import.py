"""make bench-import: the WordPress importer on a synthetic 10,000-post export with its media (issue 14).

    python -m tools.bench_import [--posts 10000] [--images 1000] [--seed 1] [--keep]

Everything lives in var/bench-import/: the export and its uploads folder
(tools/wxr_fixture.py, made once and reused while the parameters and the
generator stay the same), a fresh database, the portal's media and result.json.
The database is SQLite there, or, when the environment's DATABASE_URL names
PostgreSQL, a database beside it named <name>_bench_import, dropped and created
again for each run.

The import runs as a subprocess, exactly as an operator runs it, twice: the
first import, then the same export again, which must leave everything
unchanged. For each run: wall time, posts/s, images/s and peak memory, both of
the largest process (the kernel's own high-water mark, from wait4) and of the
whole process tree (sampled from /proc every 0.2 s; it counts memory that forked
rendition workers share twice).
"""

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from tools.wxr_fixture import write_export

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench-import"
EXPORT = BENCH_DIR / "export.xml"
MEDIA = BENCH_DIR / "uploads"
EXPORT_FACTS = BENCH_DIR / "export.json"
PORTAL_MEDIA = BENCH_DIR / "portal-media"
PORTAL_VAR = BENCH_DIR / "var"
SQLITE = BENCH_DIR / "db.sqlite3"
RESULT = BENCH_DIR / "result.json"
PERMALINKS = "/%year%/%monthnum%/%day%/%postname%/"
ACTIONS = ("created", "updated", "unchanged", "conflict", "skipped")
# What the command must never touch from a developer's shell: their cache, replica, bucket, CDN.
UNSET = ("REDIS_URL", "DATABASE_REPLICA_URL", "AWS_STORAGE_BUCKET_NAME", "PAGE_CACHE_PURGE_URLS")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.bench_import", description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--images", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--keep", action="store_true", help="Keep the bench database and the imported media afterwards."
    )
    args = parser.parse_args(argv)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)

    generated = prepare_export(posts=args.posts, images=args.images, seed=args.seed)
    database = BenchDatabase(os.environ.get("DATABASE_URL", ""))
    env = child_env(database.url)
    result = {
        "posts": args.posts,
        "images": args.images,
        "seed": args.seed,
        "database": database.engine,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "export": generated,
        "command": import_command(),
        "runs": [],
    }
    try:
        database.create()
        fresh_files()
        print("Migrating the bench database...", flush=True)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        # The pages the import invalidates are warmed with the site's real static files.
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        for label in ("first import", "re-import"):
            print(f"\n--- {label} ---", flush=True)
            run = run_import(env, posts=args.posts, images=args.images)
            run["label"] = label
            result["runs"].append(run)
            if run["exit_code"] != 0:
                print(f"\nThe command exited with {run['exit_code']}: stopping here.", file=sys.stderr)
                break
        if len(result["runs"]) == 2:
            result["reimport_changes"] = reimport_changes(result["runs"][1])
            result["reimport_unchanged"] = not result["reimport_changes"]
    finally:
        if not args.keep:
            database.drop()
            shutil.rmtree(PORTAL_MEDIA, ignore_errors=True)
            shutil.rmtree(PORTAL_VAR, ignore_errors=True)
        RESULT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    summarize(result)
    failed = any(run["exit_code"] for run in result["runs"]) or not result.get("reimport_unchanged", False)
    return 1 if failed else 0


# --- The export ---------------------------------------------------------------------


def prepare_export(*, posts, images, seed):
    """Reuse the export and uploads in var/bench-import/ if made with these parameters; else make them."""
    wanted = {"posts": posts, "images": images, "seed": seed, "generator": generator_digest()}
    if EXPORT_FACTS.is_file() and EXPORT.is_file() and MEDIA.is_dir():
        facts = json.loads(EXPORT_FACTS.read_text(encoding="utf-8"))
        if facts.get("parameters") == wanted:
            print(f"Reusing {EXPORT.relative_to(ROOT)} and its uploads ({posts:,} posts, {images:,} images).")
            return {**facts, "reused": True}
    print(
        f"Generating {posts:,} posts and {images:,} images in {BENCH_DIR.relative_to(ROOT)}/ ...", flush=True
    )
    EXPORT_FACTS.unlink(missing_ok=True)  # a half-made export is never reused
    shutil.rmtree(MEDIA, ignore_errors=True)
    started = time.perf_counter()
    summary = write_export(EXPORT, posts=posts, images=images, media_dir=MEDIA, seed=seed)
    seconds = time.perf_counter() - started
    facts = {
        "parameters": wanted,
        "seconds": round(seconds, 1),
        "export_mb": round(summary["bytes"] / 2**20, 1),
        "media_files": summary["media_files"],
        "media_mb": round(summary["media_bytes"] / 2**20, 1),
        "missing_images": summary["missing"],
        "statuses": summary["statuses"],
        "comments": summary["comment"],
    }
    EXPORT_FACTS.write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")
    print(
        f"Generated in {seconds:.1f}s: export {facts['export_mb']} MB, "
        f"{facts['media_files']:,} media files ({facts['media_mb']} MB)."
    )
    return {**facts, "reused": False}


def generator_digest():
    # A changed generator makes a different export: never benchmark a stale one.
    return hashlib.sha256((ROOT / "tools" / "wxr_fixture.py").read_bytes()).hexdigest()[:16]


# --- The database and the command's environment -------------------------------------------


class BenchDatabase:
    """SQLite under var/bench-import/, or <name>_bench_import beside the PostgreSQL DATABASE_URL."""

    def __init__(self, configured):
        parts = urllib.parse.urlsplit(configured)
        if parts.scheme in ("postgres", "postgresql", "pgsql"):
            self.engine = "postgresql"
            self.name = f"{parts.path.lstrip('/') or 'newsportal'}_bench_import"
            self.url = urllib.parse.urlunsplit(parts._replace(path=f"/{self.name}"))
            self.args = [
                f"--host={parts.hostname or '127.0.0.1'}",
                f"--username={parts.username or 'postgres'}",
            ]
            if parts.port:
                self.args.append(f"--port={parts.port}")
            self.env = {**os.environ}
            if parts.password:
                self.env["PGPASSWORD"] = urllib.parse.unquote(parts.password)
        else:
            self.engine = "sqlite"
            self.name = str(SQLITE)
            self.url = f"sqlite:///{SQLITE}"

    def create(self):
        self.drop()
        if self.engine == "postgresql":
            if not shutil.which("createdb"):
                raise SystemExit("createdb not found: install the PostgreSQL client tools.")
            subprocess.run(["createdb", *self.args, self.name], env=self.env, check=True)

    def drop(self):
        if self.engine == "postgresql":
            if shutil.which("dropdb"):
                subprocess.run(["dropdb", "--if-exists", *self.args, self.name], env=self.env, check=True)
        else:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{SQLITE}{suffix}").unlink(missing_ok=True)


def fresh_files():
    """Empty what the last run left: imported media, the page-cache generation file."""
    shutil.rmtree(PORTAL_MEDIA, ignore_errors=True)
    shutil.rmtree(PORTAL_VAR, ignore_errors=True)
    PORTAL_MEDIA.mkdir(parents=True)
    PORTAL_VAR.mkdir(parents=True)


def child_env(database_url):
    env = {key: value for key, value in os.environ.items() if key not in UNSET}
    env.update(
        {
            "DATABASE_URL": database_url,
            # As production runs it (DEBUG off), with every file under var/bench-import/.
            "DEBUG": "0",
            "SECRET_KEY": "bench-import-secret-key-not-for-production-0123456789",
            "ALLOWED_HOSTS": "127.0.0.1",
            "HTTPS": "0",
            "VAR_DIR": str(PORTAL_VAR),
            "MEDIA_ROOT": str(PORTAL_MEDIA),
            # A developer's .env never reaches the benchmark.
            "NEWSPORTAL_ENV_FILE": "",
        }
    )
    return env


# --- One run --------------------------------------------------------------------------------


def import_command():
    return [
        sys.executable,
        "manage.py",
        "import_wordpress",
        str(EXPORT),
        "--media-dir",
        str(MEDIA),
        "--permalink-structure",
        PERMALINKS,
    ]


def run_import(env, *, posts, images):
    """Run the import once; return its figures and its report."""
    started = time.perf_counter()
    # stderr (the progress bar) goes straight to the terminal; stdout (the report) is kept too.
    process = subprocess.Popen(import_command(), cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    sampler = TreeSampler(process.pid)
    sampler.start()
    lines = []
    try:
        for line in process.stdout:
            print(line, end="", flush=True)
            lines.append(line.rstrip("\n"))
    except KeyboardInterrupt:
        # The command got the Ctrl-C too: let it finish its batch and stop.
        print("\nInterrupted: waiting for the command to stop...", file=sys.stderr)
    # wait4, not wait: the kernel's peak RSS for this child (and the workers it waited for).
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stdout.close()
    sampler.stop()
    return {
        "exit_code": process.returncode,
        "seconds": round(seconds, 1),
        "posts_per_s": round(posts / seconds, 1),
        "images_per_s": round(images / seconds, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux reports kB
        "peak_tree_rss_mb": round(sampler.peak / 2**20, 1),
        "table": report_table(lines),
        "media": report_counts(lines, "media"),
        "redirects": report_counts(lines, "redirects"),
        "report": lines,
    }


class TreeSampler(threading.Thread):
    """The peak total RSS of a process and all its descendants, sampled from /proc."""

    def __init__(self, pid, interval=0.2):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak = 0
        self.done = threading.Event()

    def run(self):
        while not self.done.wait(self.interval):
            self.peak = max(self.peak, tree_rss(self.pid))

    def stop(self):
        self.done.set()
        self.join()


def tree_rss(root):
    children = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue  # it ended meanwhile
        # The command name, in parentheses, may hold spaces: the fields start after its ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        pending.extend(children.get(pid, ()))
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
        except OSError:
            pass
    return total


# --- The command's report -------------------------------------------------------------


def report_table(lines):
    """Return {type: {action: n}} from the report's table (the line of action names, then a row per type)."""
    table = {}
    rows = iter(lines)
    for line in rows:
        if tuple(line.split()) == ACTIONS:
            break
    for line in rows:
        tokens = line.split()
        if len(tokens) != len(ACTIONS) + 1 or not all(token.isdigit() for token in tokens[1:]):
            break
        table[tokens[0]] = dict(zip(ACTIONS, map(int, tokens[1:]), strict=True))
    return table


def report_counts(lines, name):
    """Return {"fetched": 995, "missing": 5} from a report line like "  media: 995 fetched, 5 missing"."""
    for line in lines:
        if line.strip().startswith(f"{name}:"):
            return {key: int(n) for n, key in re.findall(r"(\d+) ([a-z][a-z ]*?)(?=,|$| \()", line)}
    return {}


def reimport_changes(run):
    """Return what the re-import created, updated or found in conflict; empty when it changed nothing."""
    if not run["table"]:
        return ["no report table found in the command's output"]
    changes = [
        f"{kind}: {numbers[action]} {action}"
        for kind, numbers in run["table"].items()
        for action in ("created", "updated", "conflict")
        if numbers[action]
    ]
    changes += [
        f"redirects: {run['redirects'][key]} {key}"
        for key in ("created", "updated")
        if run["redirects"].get(key)
    ]
    return changes


def summarize(result):
    export = result["export"]
    print(
        f"\nWordPress import benchmark: {result['posts']:,} posts, {result['images']:,} images "
        f"({export['media_files']:,} files, {export['media_mb']} MB; export {export['export_mb']} MB), "
        f"{result['database']}, {result['cpus']} cores"
    )
    print(f"  {'':14}{'wall':>9}{'posts/s':>10}{'images/s':>10}{'peak MB':>10}{'tree MB':>10}")
    for run in result["runs"]:
        print(
            f"  {run['label']:14}{run['seconds']:>8.1f}s"
            f"{run['posts_per_s']:>10.1f}{run['images_per_s']:>10.1f}"
            f"{run['peak_rss_mb']:>10.0f}{run['peak_tree_rss_mb']:>10.0f}"
            + ("" if run["exit_code"] == 0 else f"  (exit {run['exit_code']})")
        )
    print("  peak MB: the largest process (wait4); tree MB: the command and its workers together (sampled)")
    if "reimport_unchanged" in result:
        if result["reimport_unchanged"]:
            print("  re-import: unchanged everywhere")
        else:
            print("  re-import CHANGED: " + "; ".join(result["reimport_changes"]))
    print(f"  figures in {RESULT.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
