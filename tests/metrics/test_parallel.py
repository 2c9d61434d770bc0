"""Figures computed at once come back in the order asked, and an error in one is raised to the caller."""

from __future__ import annotations

import threading
import time

import pytest

from clearsight.metrics.parallel import MOST_AT_ONCE, THREADS_ENV, at_once, threads


def test_results_in_the_order_asked_and_run_at_once(monkeypatch):
    monkeypatch.setenv(THREADS_ENV, "3")
    running, most = set(), []

    def call(n: int, pause: float):
        def run() -> int:
            running.add(n)
            most.append(len(running))
            time.sleep(pause)
            running.discard(n)
            return n * 10
        return run

    assert at_once([call(1, 0.2), call(2, 0.1), call(3, 0.0)]) == [10, 20, 30]
    assert max(most) > 1  # the first was still running when another started


def test_one_thread_runs_them_in_turn_on_the_callers_thread(monkeypatch):
    monkeypatch.setenv(THREADS_ENV, "1")
    seen = []
    at_once([lambda: seen.append(threading.current_thread()), lambda: seen.append(threading.current_thread())])
    assert seen == [threading.main_thread()] * 2


def test_an_error_reaches_the_caller(monkeypatch):
    monkeypatch.setenv(THREADS_ENV, "2")

    def fails() -> int:
        raise LookupError("no such team")

    with pytest.raises(LookupError, match="no such team"):
        at_once([lambda: 1, fails])


def test_threads_default_to_the_cores_up_to_a_few(monkeypatch):
    monkeypatch.delenv(THREADS_ENV, raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 64)
    assert threads() == MOST_AT_ONCE == 4
    monkeypatch.setattr("os.cpu_count", lambda: None)
    assert threads() == 1
    monkeypatch.setenv(THREADS_ENV, "zero")
    assert threads() == 1
