"""A throwaway PostgreSQL server for the tests: initdb into a temporary directory, listening on a free loopback
port, as the current user (or, when that is root, which PostgreSQL refuses, as the `postgres` user that
Debian's `postgresql` package creates). engineering.md trap 9: a session's servers are gone when CI runs, so the
tests start their own. A machine without PostgreSQL fails loudly: it is in scripts/debian/test.txt.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

SUPERUSER = "clearsight"


class PostgresMissing(RuntimeError):
    """PostgreSQL's server programs are not installed (scripts/test.sh installs them from Debian)."""


def _bindir() -> Path:
    """Where initdb and pg_ctl are: on the PATH, else Debian's /usr/lib/postgresql/<version>/bin (newest)."""
    if found := shutil.which("initdb"):
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not versions:
        raise PostgresMissing(
            "PostgreSQL is not installed (no initdb): run `bash scripts/test.sh`, which installs the Debian "
            "packages in scripts/debian/test.txt"
        )
    return Path(versions[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user() -> tuple[list[str], int | None]:
    """The command prefix that runs initdb and postgres as this user, or as `postgres` when this is root
    (runuser, not a preexec_fn: a Python child with a preexec_fn is forked, not vforked, and forking a large
    test worker fails with ENOMEM on a busy machine)."""
    if os.geteuid() != 0:
        return [], None
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresMissing("running as root and there is no `postgres` user to run the server as") from None
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    return [runuser, "-u", "postgres", "--"], user.pw_uid


class Server:
    """One PostgreSQL server; `database()` makes a fresh database and returns its URL."""

    def __init__(self) -> None:
        bindir = _bindir()
        as_user, uid = _as_server_user()
        self.root = Path(tempfile.mkdtemp(prefix="clearsight-pg-"))
        if uid is not None:
            os.chown(self.root, uid, -1)
        self.data = self.root / "data"
        self.port = _free_port()
        self._pg_ctl = [*as_user, str(bindir / "pg_ctl"), "-D", str(self.data)]
        env = {**os.environ, "LC_ALL": "C"}
        subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                        "--encoding=UTF8", "--no-sync"], check=True, capture_output=True,
                       env=env, cwd=self.root)
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories='' "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        subprocess.run([*self._pg_ctl, "-o", options, "-l", str(self.root / "log"), "-w", "-t", "60", "start"],
                       check=True, capture_output=True, env=env, cwd=self.root)
        self.admin_url = f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(self.admin_url, connect_timeout=2).close()
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def database(self, prefix: str = "t") -> str:
        """A new empty database's URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url, autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Stop the server and remove its files; when pg_ctl cannot run (a machine out of memory cannot fork),
        the postmaster is told to quit directly, so no server outlives the tests."""
        try:
            subprocess.run([*self._pg_ctl, "-m", "immediate", "stop"], capture_output=True,
                           cwd=self.root, timeout=60)
        except (OSError, subprocess.SubprocessError):
            pass
        pid_file = self.data / "postmaster.pid"
        if pid_file.exists():
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGQUIT)
        shutil.rmtree(self.root, ignore_errors=True)
