"""Work started in a thread of its own while the caller goes on (for a start that waits on a library that releases
the GIL, such as DuckDB's), or done early in the caller's own thread, its result or error handed over later."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


def in_background(work: Callable[..., T], *args: Any, name: str = "citystat-background") -> Future[T]:
    """Run ``work(*args)`` in a thread of its own; its result (or what it raised) from the returned future. The
    thread is not a daemon: a process that ends meanwhile waits for it."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(work(*args))
        except BaseException as exc:  # handed to whoever asks for the result
            future.set_exception(exc)

    threading.Thread(target=run, name=name).start()
    return future


def settled(work: Callable[..., T], *args: Any) -> Future[T]:
    """Run ``work(*args)`` now, in this thread; its result (or what it raised) from the returned future, for the
    code that takes it later, where the work would otherwise have run."""
    future: Future[T] = Future()
    try:
        future.set_result(work(*args))
    except Exception as exc:  # handed to whoever asks for the result
        future.set_exception(exc)
    return future
