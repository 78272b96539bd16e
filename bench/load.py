"""Load on one page: its top throughput (wrk) and its latency at a steady 50 requests a second.

Throughput: wrk with the login's cookie, a fixed number of connections, for a few seconds;
requests per second and any error (a non-2xx/3xx answer, a timeout, a dropped connection).

Latency: a Python driver sends at a steady rate (50 a second) from a pool of threads, each
request at its intended time (start + i / rate). Its latency is counted from that intended
time, not from when a thread got round to sending it: when the server falls behind, the
requests that had to wait show it (no "coordinated omission", which would hide exactly the
slow moments). Any answer other than 200 counts as an error.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests

WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Throughput:
    requests_per_second: float
    requests: int
    errors: int
    p50_ms: float  # under full load: how long a request waits its turn, not a latency target
    p99_ms: float


@dataclass(frozen=True)
class Steady:
    rate: float
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def throughput(
    url: str, cookies: dict[str, str], *, seconds: float, connections: int = 16, threads: int = 2
) -> Throughput:
    """wrk against one address; the first second is a warm-up and not counted."""
    with tempfile.TemporaryDirectory(prefix="ungehub-wrk-") as folder:
        script = Path(folder) / "report.lua"
        script.write_text(WRK_SCRIPT)
        command = ["wrk", f"-t{threads}", f"-c{connections}", "--timeout", "5s", "-s", str(script)]
        if cookies:
            command += ["-H", "Cookie: " + cookie_header(cookies)]
        subprocess.run([*command, "-d1s", url], check=True, capture_output=True, timeout=60)
        done = subprocess.run(
            [*command, f"-d{max(1, round(seconds))}s", url],
            check=True,
            capture_output=True,
            text=True,
            timeout=120 + seconds,
        )
    line = next(line for line in done.stdout.splitlines() if line.startswith("BENCH-JSON "))
    result = json.loads(line.removeprefix("BENCH-JSON "))
    errors = sum(result[kind] for kind in ("connect", "read", "write", "status", "timeout"))
    return Throughput(
        requests_per_second=result["requests"] / (result["duration_us"] / 1e6),
        requests=result["requests"],
        errors=errors,
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
    )


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(share * len(sorted_values) + 0.5 - 1e-9))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def steady(
    url: str,
    cookies: dict[str, str],
    *,
    rate: float = 50.0,
    seconds: float = 20.0,
    senders: int = 16,
    headers: dict[str, str] | None = None,
) -> Steady:
    """Send `rate` requests a second for `seconds`; latency from each request's intended time."""
    total = max(1, round(rate * seconds))
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    next_index = 0
    start = time.perf_counter() + 0.2  # every sender ready before the first intended time

    def sender() -> None:
        nonlocal next_index, errors
        http = requests.Session()
        http.cookies.update(cookies)
        while True:
            with lock:
                index, next_index = next_index, next_index + 1
            if index >= total:
                return
            intended = start + index / rate
            pause = intended - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            try:
                answer = http.get(url, headers=headers, allow_redirects=False, timeout=10)
                failed = answer.status_code != 200
            except requests.RequestException:
                failed = True
            elapsed = time.perf_counter() - intended
            with lock:
                latencies.append(elapsed)
                errors += failed

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return Steady(
        rate=rate,
        requests=len(latencies),
        errors=errors,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p95_ms=percentile(latencies, 0.95) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        max_ms=latencies[-1] * 1000,
    )
