"""Web load benchmark (issue 16 item 6): concurrent signed-in sessions on the Today and Teams pages while a new
extract loads through the server. Prints requests per second, median and 95th-percentile latency and errors;
the target at scale 10 is p95 under 300 ms with no error. Not part of the test run.

Loopback only, bounded in time. Usage (a database with a snapshot, and an extract to load during the run):
    .venv/bin/python bench/bench_web.py --db eastmere10.duckdb --extract eastmere10-next/ \
        [--sessions 200] [--seconds 60] [--as-at 2023-12-15] [--think 5]
The script adds a benchmark account, starts `clearsight serve` on a free port, waits for the pages it asks for
to be built once (what the server's warm-up does after every load), signs every session in, then for
`--seconds` each session asks for Today and Teams in turn while `clearsight load EXTRACT` hands its files to the
server a few seconds in. Sessions keep reading the previous snapshot until the load commits.

Measured 4 Dec 2026 on an idle 2-core machine, Eastmere seed 1 scale 10 (9.3 million rows), as at 15 Dec
2023: 200 sessions, --think 5, --seconds 60, a second extract of 9.3 million rows loaded through the server in
36 s mid-run: 2,460 requests at 28.4 requests/s, median 22 ms, p95 118 ms, max 1.5 s, no error (the session
before: median 20 ms, p95 94 ms; before the latest snapshot and pages were cached per snapshot, p95 1.16 s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

CLI = Path(sys.executable).with_name("clearsight")
PASSWORD = "benchmark password 1"
PAGES = ("/today", "/teams")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def sign_in(client: httpx.AsyncClient) -> None:
    form = await client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token, form.text[:300]
    answer = await client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf": token[1]})
    assert answer.status_code == 303, answer.status_code


async def reader(client: httpx.AsyncClient, until: float, times: list[float], errors: list[str],
                 think: float) -> None:
    """One session asking for Today and Teams in turn until the time is up, reading each page for `think`
    seconds on average (0: asking again at once, a closed loop that measures the server's throughput)."""
    i = 0
    await asyncio.sleep(random.uniform(0, think))  # people do not all click at once
    while time.monotonic() < until:
        started = time.perf_counter()
        try:
            answer = await client.get(PAGES[i % len(PAGES)])
            if answer.status_code != 200:
                errors.append(f"{answer.status_code} {PAGES[i % len(PAGES)]}")
        except httpx.HTTPError as exc:
            errors.append(type(exc).__name__)
        times.append(time.perf_counter() - started)
        i += 1
        if think:
            await asyncio.sleep(random.expovariate(1 / think))


async def run(url: str, sessions: int, seconds: float, load: list[str] | None, think: float) -> None:
    """Sign every session in (argon2 makes each sign-in deliberately slow: a few at a time), then read for
    `seconds` while the load runs, started a few seconds in."""
    clients = [httpx.AsyncClient(base_url=url, timeout=120) for _ in range(sessions)]
    gate = asyncio.Semaphore(8)

    async def signed(client: httpx.AsyncClient) -> None:
        async with gate:
            await sign_in(client)

    t = time.monotonic()
    await asyncio.gather(*(signed(c) for c in clients))
    print(f"{sessions} sessions signed in in {time.monotonic() - t:.1f}s")
    times: list[float] = []
    errors: list[str] = []
    started = time.monotonic()
    tasks = [asyncio.create_task(reader(c, started + seconds, times, errors, think)) for c in clients]
    loader = None
    if load:
        await asyncio.sleep(min(5.0, seconds / 4))
        loader = await asyncio.create_subprocess_exec(*load, stdout=asyncio.subprocess.PIPE,
                                                      stderr=asyncio.subprocess.STDOUT)
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    for c in clients:
        await c.aclose()
    if loader:
        out, _ = await loader.communicate()
        print(f"load during the run: exit {loader.returncode}; {out.decode().strip().splitlines()[0][:160]}")
    measured = sorted(times)
    if not measured:
        print("no request finished in the timed window")
        return
    p95 = measured[max(int(len(measured) * 0.95) - 1, 0)]
    print(f"{sessions} sessions (think time {think:g}s), {len(measured):,} requests in {elapsed:.1f}s: {len(measured) / elapsed:,.1f} "
          f"requests/s; median {statistics.median(measured) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
          f"max {measured[-1] * 1000:.0f} ms; errors {len(errors)}" + (f" (e.g. {errors[:3]})" if errors else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--extract", type=Path, help="An extract to load while sessions read.")
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--as-at", default="2023-12-15")
    parser.add_argument("--think", type=float, default=0.0,
                        help="Mean seconds a person reads a page before the next (0: a closed loop).")
    args = parser.parse_args()
    env = {**os.environ, "CLEARSIGHT_PASSWORD": PASSWORD}
    subprocess.run([str(CLI), "--db", str(args.db), "users", "add", "bench", "--role", "director"], env=env,
                   capture_output=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(CLI), "--db", str(args.db), "serve", "--port", str(port), "--as-at", args.as_at,
                               "--insecure-cookies"], env=env)
    try:
        started = time.monotonic()
        while True:
            try:
                if httpx.get(f"{url}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        print(f"server up in {time.monotonic() - started:.1f}s")
        with httpx.Client(base_url=url, timeout=1800) as warm:  # the first asking builds the views
            form = warm.get("/login")
            token = re.search(r'name="csrf" value="([^"]+)"', form.text)[1]  # type: ignore[index]
            warm.post("/login", data={"username": "bench", "password": PASSWORD, "csrf": token})
            for page in PAGES:
                t = time.perf_counter()
                warm.get(page)
                print(f"{page} first built in {time.perf_counter() - t:.1f}s")
        load = [str(CLI), "--db", str(args.db), "load", str(args.extract)] if args.extract else None
        asyncio.run(run(url, args.sessions, args.seconds, load, args.think))
    finally:
        server.terminate()
        server.wait(timeout=120)


if __name__ == "__main__":
    main()
