"""The figure cache's per-figure locks (metrics.figures._ResultCache.working) make a second asker wait for the
first's rows, and are dropped once no one holds them, so a long-running server keeps none for old figures."""

from __future__ import annotations

import threading

from clearsight.metrics.figures import _ResultCache


def test_a_second_asker_waits_and_no_lock_is_kept():
    cache = _ResultCache()
    order: list[str] = []
    first_in = threading.Event()

    def first() -> None:
        with cache.working(("x",)):
            first_in.set()
            order.append("first starts")
            threading.Event().wait(0.05)
            order.append("first ends")

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait()
    with cache.working(("x",)):
        order.append("second")
    thread.join()
    assert order == ["first starts", "first ends", "second"]
    assert cache._working == {}
