"""Work started in a thread of its own while the caller goes on: for a start that waits on the system or on a
library that releases the GIL (DuckDB starting, a directory listed), so that it overlaps the caller's own work."""

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
