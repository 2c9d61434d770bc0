"""A cached page beside a busy Python thread, at several interpreter switch intervals (why `clearsight serve`
sets 1 ms: cli_web.SWITCH_SECONDS). In-process (Starlette's test client), not part of the test run.

Usage (a database with a snapshot):
    .venv/bin/python bench/bench_switch_interval.py --db eastmere.duckdb [--requests 60]
The busy thread stands for a new snapshot's first build, which runs in Python for seconds after a load while
readers keep asking for the pages already built. Prints the median and 95th percentile per interval.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import threading
import time

from fastapi.testclient import TestClient

from clearsight.config.settings import load_config
from clearsight.web import accounts
from clearsight.web.app import create_app
from clearsight.web.server import Server

PASSWORD = "benchmark password 1"
PAGES = ("/today", "/teams")


def signed_in(db: str) -> TestClient:
    server = Server(db, load_config(None), as_at="2023-12-15")
    with server.cursor() as cur:
        if not any(u["username"] == "bench" for u in accounts.list_users(cur)):
            accounts.add_user(cur, "bench", PASSWORD, "director")
    client = TestClient(create_app(server, secret_key="b" * 32, secure_cookies=False))
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)[1]  # type: ignore[index]
    client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf": token})
    for page in PAGES:  # built once: what follows is the cached page
        client.get(page)
    return client


def timed(client: TestClient, requests: int) -> tuple[float, float]:
    times = []
    for i in range(requests):
        started = time.perf_counter()
        client.get(PAGES[i % len(PAGES)])
        times.append(time.perf_counter() - started)
    times.sort()
    return statistics.median(times), times[max(int(len(times) * 0.95) - 1, 0)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    client = signed_in(args.db)
    median, p95 = timed(client, args.requests)
    print(f"no busy thread: median {median * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
    for interval in (0.005, 0.001, 0.0005):
        sys.setswitchinterval(interval)
        stop = threading.Event()

        def busy() -> None:
            while not stop.is_set():
                sum(i * i for i in range(10_000))
        thread = threading.Thread(target=busy)
        thread.start()
        median, p95 = timed(client, args.requests)
        stop.set()
        thread.join()
        print(f"busy thread, switch interval {interval * 1000:g} ms: median {median * 1000:.1f} ms, "
              f"p95 {p95 * 1000:.1f} ms")


if __name__ == "__main__":
    main()
