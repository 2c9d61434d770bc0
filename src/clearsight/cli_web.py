"""`clearsight serve`: the web application over the embedded database, which the server then owns.

Binds the loopback address unless told otherwise (a council puts a TLS proxy in front for its intranet). While it
runs, new extracts arrive through it: the admin Load page, the `--inbox` folder, and `clearsight load`, which
hands its files over when it finds the database held (through the token file beside the database).
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from clearsight.cli import EXIT_BAD_REQUEST, _fail, app, console, state
from clearsight.store.database import DatabaseError, database_path, describe_location

# How long an idle connection is kept open. Uvicorn's default (5 s) is shorter than a reader spends on a page,
# so a click often went out on a connection the server was closing at that moment (a read error in the
# browser's or the benchmark's hands: 15 of 2,035 requests). A proxy in front keeps its own, longer, timeout.
KEEP_ALIVE_SECONDS = 75
# How long a Python thread may hold the interpreter before one waiting is let in (Python's default 5 ms). A
# request is served in many short steps, each waiting its turn behind whatever holds the interpreter: behind a
# snapshot's first build (pure Python for seconds) a cached page took a median 153-169 ms and p95 411-468 ms
# at 5 ms; at 1 ms, 61-85 ms and 130-229 ms (in-process, Eastmere scale 1, a busy thread beside the reader).
SWITCH_SECONDS = 0.001


def secret_key(db: Path | str) -> str:
    """The key signing session cookies: $CLEARSIGHT_SECRET_KEY, else a file beside the database made once
    (readable by its owner only), so sessions survive a restart. On PostgreSQL, whose several app processes
    must sign alike, the environment variable is required."""
    if key := os.environ.get("CLEARSIGHT_SECRET_KEY"):
        return key
    if isinstance(db, str):
        raise _fail("serving a PostgreSQL database needs $CLEARSIGHT_SECRET_KEY (the same in every process)",
                    EXIT_BAD_REQUEST)
    path = db.with_name(db.name + ".secret")
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


@app.command()
def serve(host: Annotated[str, typer.Option(help="Address to bind (default: loopback only).")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port.")] = 8000,
          as_at: Annotated[Optional[str], typer.Option("--as-at", help="The pages' date when none is chosen, "
                                                       "YYYY-MM-DD (default: each snapshot's extract date).")] = None,
          inbox: Annotated[Optional[Path], typer.Option(help="Folder watched for new extracts to load.")] = None,
          inbox_interval: Annotated[float, typer.Option(help="Seconds between looks at the inbox.")] = 5.0,
          insecure_cookies: Annotated[bool, typer.Option("--insecure-cookies", help="Send the session cookie over "
                                      "plain HTTP too (only for a trial without TLS).")] = False) -> None:
    """Serve the pages and the JSON API (/api/docs); the server owns the database while it runs."""
    import uvicorn

    from clearsight.reports.request import BadRequest, parse_day
    from clearsight.web.app import create_app
    from clearsight.web.pages import PAGES
    from clearsight.web.server import Inbox, Server

    sys.setswitchinterval(SWITCH_SECONDS)
    try:
        if as_at:
            parse_day(as_at)
        server = Server(state.db, state.config, council=state.council, as_at=as_at,
                        warm=[part for page in PAGES.values() for part in page.parts])
    except BadRequest as exc:
        raise _fail(str(exc), EXIT_BAD_REQUEST) from None
    except DatabaseError as exc:
        raise _fail(str(exc), exc.exit_code) from None
    server.warm()
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    token = server.write_handoff(url)
    watcher = Inbox(server, inbox, inbox_interval) if inbox else None
    if watcher:
        watcher.start()

    def stop() -> None:
        if watcher:
            watcher.stop()
        server.close()

    app_ = create_app(server, secret_key=secret_key(database_path(state.db)), secure_cookies=not insecure_cookies,
                      loopback_handoff_token=token, on_shutdown=stop)
    console.print(f"Clearsight on {url} (database {describe_location(server.path)}; API at {url}/api/docs)")
    try:
        uvicorn.run(app_, host=host, port=port, log_level="warning", access_log=False,
                    timeout_keep_alive=KEEP_ALIVE_SECONDS)
    finally:  # a start that failed (port taken) never reached the shutdown hook
        server.remove_handoff()
