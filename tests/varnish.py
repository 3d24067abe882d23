"""Run varnishd with newsportal/varnish.vcl in front of app servers started by a live test."""

import re
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from .servers import ROOT, free_port, wait_until

# Debian installs it in /usr/sbin, which a test's PATH may lack.
VARNISHD = shutil.which("varnishd", path="/usr/local/sbin:/usr/sbin:/sbin") or shutil.which("varnishd")
VCL = ROOT / "newsportal" / "varnish.vcl"
BACKENDS_BLOCK = re.compile(r"^# BEGIN BACKENDS.*?^# END BACKENDS$", re.S | re.M)


def vcl_for(ports, *, host="127.0.0.1"):
    """Return the project's VCL with its backends block naming the app servers on 127.0.0.1:ports."""
    source = VCL.read_text()
    backends = [
        "probe app_alive {",
        f'    .request = "GET /healthz HTTP/1.1" "Host: {host}" "Connection: close";',
        "    .interval = 1s;",
        "    .timeout = 1s;",
        "    .window = 3;",
        "    .threshold = 2;",
        "}",
    ]
    for number, port in enumerate(ports, start=1):
        backends += [
            f"backend app_{number} {{",
            f'    .host = "127.0.0.1"; .port = "{port}"; .probe = app_alive;',
            "    .connect_timeout = 1s; .first_byte_timeout = 15s; .between_bytes_timeout = 10s;",
            "}",
        ]
    backends += ["sub vcl_init {", "    new app = directors.round_robin();"]
    backends += [f"    app.add_backend(app_{number});" for number in range(1, len(ports) + 1)]
    backends += ["}"]
    block = "# BEGIN BACKENDS (tests/varnish.py)\n" + "\n".join(backends) + "\n# END BACKENDS"
    replaced, count = BACKENDS_BLOCK.subn(lambda _: block, source)
    assert count == 1, "newsportal/varnish.vcl lost its BEGIN/END BACKENDS block"
    return replaced


class Varnish:
    """varnishd in the foreground on 127.0.0.1:port, in its own working directory, with small memory."""

    def __init__(self, backend_ports, *, host="127.0.0.1"):
        self.directory = Path(tempfile.mkdtemp(prefix="newsportal-varnish-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.vcl = self.directory / "newsportal.vcl"
        self.vcl.write_text(vcl_for(backend_ports, host=host))
        self.log = self.directory / "varnishd.log"
        self.process = None

    def start(self):
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [
                    VARNISHD,
                    "-F",  # foreground: this process is the manager, stopped with SIGTERM
                    "-n", self.directory / "n",
                    "-a", f"127.0.0.1:{self.port}",
                    "-f", self.vcl,
                    "-s", "malloc,32m",
                    "-T", "none",  # no management port
                    "-j", "none",  # no privilege separation: a test's temporary folder is ours alone
                    "-p", "thread_pools=1",
                    "-p", "thread_pool_min=10",
                    "-p", "thread_pool_max=100",
                    "-p", "workspace_client=64k",
                    "-p", "workspace_backend=64k",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            wait_until(
                lambda: self.process.poll() is not None or self.answers(),
                seconds=30,
                message="varnishd to answer through its backends",
            )
        except AssertionError:
            self.stop()
            raise
        assert self.process.poll() is None, f"varnishd exited:\n{self.log.read_text()}"
        return self

    def answers(self):
        """True once varnishd answers and a backend is healthy (until then the director 503s)."""
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
