"""The running server's hold on the embedded database: one writer, a cursor per reader, loads while serving.

DuckDB lets one process open a file for writing and nobody else read it meanwhile (engineering.md trap 3), so
`clearsight serve` owns the file: every request reads through a cursor of its own, and new extracts arrive
through the server (an admin upload, the watched inbox folder, or `clearsight load` handing its files over when
it finds the database held). A load writes its snapshot in one transaction on its own cursor: readers keep
reading the previous snapshot until it commits, and each request reads one snapshot from start to end. Several
processes need the PostgreSQL back end.

Built views are kept per (snapshot, view, as-at date, period, team): a snapshot never changes, so a view built
once is right until the next load makes a newer snapshot the latest.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, Generic, TypeVar

from clearsight.config import CouncilConfig
from clearsight.reports.load import load_sources, report_json
from clearsight.reports.request import Request, make_request
from clearsight.reports.view import View
from clearsight.store.database import database_path, open_database
from clearsight.store.load import LoadReport
from clearsight.reports.history import team_services
from clearsight.store.snapshots import Snapshot, SnapshotNotFound, latest_snapshot, team_names
from clearsight.web.pages import Part

VIEW_CACHE_SIZE = 512  # built views kept in memory (each a few hundred rows at most)
MAX_REQUESTS = 4096  # checked requests kept
# How long the latest snapshot, once read, is taken as still the latest. This server's own loads tell it at
# once; a load by another process (PostgreSQL) is seen within this time. Reading it for every request was a
# third of a cached page's time.
LATEST_SECONDS = 1.0
INBOX_DONE = ("loaded", "rejected")
T = TypeVar("T")


def handoff_path(db: Path | str) -> Path | None:
    """The file beside the database where a running server says where it listens and with which token; None
    for a PostgreSQL database, which no process holds: `clearsight load` writes to it itself."""
    return db.with_name(db.name + ".serve.json") if isinstance(db, Path) else None


class BuildCache(Generic[T]):
    """Things built once per key (views, rendered page bodies), least recently used dropped first; one build
    per key at a time (200 sessions asking for the same page at once wait for one build, not 200)."""

    def __init__(self, size: int = VIEW_CACHE_SIZE) -> None:
        self.size = size
        self._views: OrderedDict[tuple[Any, ...], T] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[tuple[Any, ...], threading.Lock] = {}

    def get(self, key: tuple[Any, ...], build: Callable[[], T]) -> T:
        with self._lock:
            if key in self._views:
                self._views.move_to_end(key)
                return self._views[key]
            gate = self._building.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                if key in self._views:
                    return self._views[key]
            view = build()
            with self._lock:
                self._views[key] = view
                self._building.pop(key, None)
                while len(self._views) > self.size:
                    self._views.popitem(last=False)
            return view


class Server:
    """The database a `clearsight serve` process owns, and what it does with it."""

    def __init__(self, db: str | Path | None, config: CouncilConfig, *, council: str | None = None,
                 as_at: str | None = None, warm: Sequence[Part] = ()) -> None:
        self.path = database_path(db)
        self.config = config
        self.council = council
        self.as_at = as_at  # the pages' date when none is asked for (None: each snapshot's extract date)
        self.warm_parts = tuple(warm)  # views built ahead, at start and after each load
        self.writer = open_database(self.path, write=True, create=True, config=config)
        self.views: BuildCache[View] = BuildCache()
        self._load_lock = threading.Lock()
        self.last_loads: list[dict[str, Any]] = []  # the latest loads' reports, newest first, for the admin page
        self._requests: dict[tuple[Any, ...], Request] = {}  # checked requests (their warnings) by arguments
        self._teams: dict[int, tuple[dict[str, str], dict[str, str]]] = {}
        self.closing = False
        self._serving: Snapshot | None = None  # the snapshot readers see (snapshot())
        self._serving_lock = threading.Lock()
        self._warming: set[int] = set()  # snapshots whose views are being built
        self._ready: set[int] = set()  # snapshots whose views are built
        self._latest: tuple[float, Snapshot] | None = None  # when the latest snapshot was read, and it

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        """A cursor of its own for one request or job (DuckDB cursors are not shared between threads)."""
        cur = self.writer.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def snapshot(self, cur: Any) -> Snapshot:
        """The snapshot readers are shown: the latest once its pages are built (`warm`), until then the one
        before, so a load never leaves 200 readers waiting on the first build of a new snapshot's views."""
        latest = self.latest(cur)
        with self._serving_lock:
            serving = self._serving
            if serving is None or latest.snapshot_id in self._ready or not self.warm_parts:
                self._serving = latest
                return latest
        if latest.snapshot_id != serving.snapshot_id:
            self.warm()  # a snapshot loaded by another process (PostgreSQL): build it, then show it
        return serving

    def latest(self, cur: Any) -> Snapshot:
        """The latest snapshot, read again when LATEST_SECONDS have passed or this server has loaded one."""
        now = time.monotonic()
        held = self._latest
        if held is None or now - held[0] > LATEST_SECONDS:
            held = self._latest = (now, latest_snapshot(cur, self.council))
        return held[1]

    def request(self, cur: Any, snapshot: Snapshot, *, as_at: str | None, team: str | None,
                window: str) -> Request:
        """The checked request on this cursor; the checks (which read the snapshot) run once per snapshot and
        arguments, since a snapshot never changes."""
        key = (snapshot.snapshot_id, as_at or self.as_at, team, window)
        checked = self._requests.get(key)
        if checked is None:
            if len(self._requests) > MAX_REQUESTS:  # dates are the reader's choice: keep the memory bounded
                self._requests.clear()
            checked = make_request(cur, snapshot, self.config, as_at=as_at or self.as_at, team=team,
                                   default_window=window)
            self._requests[key] = checked
        return dataclasses.replace(checked, con=cur)

    def team_maps(self, cur: Any, snapshot: Snapshot) -> tuple[dict[str, str], dict[str, str]]:
        """Team id -> name and team name -> service in the snapshot, read once per snapshot."""
        if snapshot.snapshot_id not in self._teams:
            req = self.request(cur, snapshot, as_at=None, team=None, window="as_at")
            self._teams[snapshot.snapshot_id] = (team_names(cur, snapshot), team_services(req))
        return self._teams[snapshot.snapshot_id]

    def view(self, key: str, build: Callable[[Request], View], req: Request) -> View:
        return self.views.get((req.snapshot.snapshot_id, key, req.as_at, req.start, req.team), lambda: build(req))

    def warm(self) -> threading.Thread | None:
        """Build the council-wide views of `warm_parts` for the latest snapshot in the background, so the first
        reader of a page after a start or a load does not wait for it; readers move to the snapshot when they
        are built (`snapshot`). None when that snapshot is already being built."""
        with self.cursor() as cur:
            try:
                snapshot = self.latest(cur)
            except SnapshotNotFound:
                return None
        with self._serving_lock:
            if snapshot.snapshot_id in self._warming | self._ready:
                return None
            self._warming.add(snapshot.snapshot_id)

        def run() -> None:
            try:
                with self.cursor() as cur:
                    for part in self.warm_parts:
                        if self.closing:
                            return
                        self.view(part.key, part.build, self.request(cur, snapshot, as_at=None, team=None,
                                                                     window=part.window))
            except Exception:
                if not self.closing:  # the connection closed under it at shutdown: nothing to warm for
                    raise
            finally:  # built, or failed to build: readers move on and build what is missing when they ask
                with self._serving_lock:
                    self._warming.discard(snapshot.snapshot_id)
                    self._ready.add(snapshot.snapshot_id)
        thread = threading.Thread(target=run, name="clearsight-warm", daemon=True)
        thread.start()
        return thread

    # -- loads ------------------------------------------------------------------------------------------
    def load(self, paths: list[Path], fmt: str = "auto", extract_date: date | None = None,
             council: str | None = None, *, by: str) -> list[LoadReport]:
        """Load files as a new snapshot, one load at a time, while readers carry on with the previous one."""
        from clearsight.alerts.lifecycle import evaluate_loads

        with self._load_lock, self.cursor() as cur:
            reports = load_sources(cur, paths, fmt, extract_date, council or self.council, lambda *a, **k: None)
            self._latest = None  # a snapshot of its own is the latest from now on
            alerts = evaluate_loads(cur, self.config, [r.snapshot_id for r in reports if r.status == "loaded"])
        entry = {"by": by, "paths": [str(p) for p in paths], "at": time.strftime("%Y-%m-%d %H:%M:%S"),
                 "report": json.loads(report_json(reports)), "alerts": alerts}
        self.last_loads = [entry, *self.last_loads[:19]]
        if any(r.snapshot_id and r.status != "already_loaded" for r in reports):
            self.warm()
        return reports

    def write_handoff(self, url: str) -> str:
        """Tell `clearsight load` where this server listens, with a token only readers of this file know."""
        token = secrets.token_urlsafe(32)
        path = handoff_path(self.path)
        if path is None:
            return token
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump({"url": url, "token": token, "pid": os.getpid()}, out)
        return token

    def remove_handoff(self) -> None:
        if (path := handoff_path(self.path)) is not None:
            path.unlink(missing_ok=True)

    def close(self) -> None:
        self.closing = True
        self.remove_handoff()
        self.writer.close()


class Inbox:
    """A folder watched for extracts: each new directory or file, once it has stopped changing, is loaded and
    moved to `loaded/` or `rejected/` beside a `.report.json` saying what happened."""

    def __init__(self, server: Server, folder: Path, interval: float = 5.0) -> None:
        self.server, self.folder, self.interval = server, folder, interval
        self._seen: dict[str, float] = {}
        self._stop = threading.Event()
        for name in INBOX_DONE:
            (folder / name).mkdir(parents=True, exist_ok=True)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, name="clearsight-inbox", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.scan()

    def scan(self) -> list[Path]:
        """Load every entry unchanged since the last scan; return those loaded or rejected."""
        done = []
        for entry in sorted(self.folder.iterdir()):
            if entry.name in INBOX_DONE or entry.name.startswith("."):
                continue
            stamp = _latest_change(entry)
            if self._seen.get(entry.name) != stamp:  # new or still being written: wait a scan
                self._seen[entry.name] = stamp
                continue
            self._seen.pop(entry.name)
            done.append(self._load(entry))
        return done

    def _load(self, entry: Path) -> Path:
        try:
            reports = self.server.load([entry], by="inbox")
            outcome = "rejected" if any(r.status == "rejected" for r in reports) else "loaded"
            text = report_json(reports)
        except Exception as exc:  # a reader that cannot start, a file that vanished: say so beside the files
            outcome, text = "rejected", json.dumps({"error": str(exc)})
        target = self.folder / outcome / f"{time.strftime('%Y%m%d-%H%M%S')}-{entry.name}"
        shutil.move(str(entry), target)
        target.with_name(target.name + ".report.json").write_text(text + "\n", encoding="utf-8")
        return target


def _latest_change(entry: Path) -> float:
    if entry.is_file():
        return entry.stat().st_mtime
    return max([entry.stat().st_mtime, *(p.stat().st_mtime for p in entry.rglob("*"))])
