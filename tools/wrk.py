"""Run wrk and read its report: requests/s, latency percentiles, errors, and what a Lua script printed."""

import os
import re
import subprocess
import tempfile


def run(url, *, duration, connections, threads=2, script=None, cookie=None, timeout="10s"):
    """Run wrk against url (with script, a Lua text, if given); return parse() of its report."""
    args = ["wrk", "-t", str(min(threads, connections)), "-c", str(connections), "-d", duration]
    args += ["--latency", "--timeout", timeout]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    script_file = None
    if script:
        script_file = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        script_file.write(script)
        script_file.close()
        args += ["-s", script_file.name]
    try:
        output = subprocess.run(args + [url], capture_output=True, text=True, check=True).stdout
    finally:
        if script_file:
            os.unlink(script_file.name)
    return parse(output)


def parse(output):
    """Read wrk's --latency report. errors: non-2xx/3xx responses; socket_errors: connect, read,
    write and timeout failures, summed; lines: what the script's done() printed ("name: value")."""
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency(output, "50%"),
        "p99": latency(output, "99%"),
        "errors": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(count) for count in sockets.groups()) if sockets else 0,
        "timeouts": int(sockets.group(4)) if sockets else 0,
        "lines": dict(re.findall(r"^script (\w[\w ]*): (.*)$", output, re.M)),
    }


def latency(output, percentile):
    """Return a latency percentile of wrk's distribution in milliseconds."""
    value, unit = re.search(rf"{re.escape(percentile)}\s+([\d.]+)(us|ms|s)\b", output).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
