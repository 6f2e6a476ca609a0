"""Several server processes on one address, each with a listening socket of its own (SO_REUSEPORT).

Why not uvicorn's own ``workers``: its processes share one listening socket, every one of them is woken by a new
connection, and the first to run accepts every connection waiting (asyncio accepts up to its backlog at once). A
burst of keep-alive connections (a proxy's pool, a load generator's) then often lands on one process while the
others idle, and two workers serve no more than one. With a socket per process the kernel spreads new
connections over the processes by the hash of their address pair, so each gets its share from the start.

The parent only supervises: it starts the processes (``spawn``, so each builds its app from the environment),
starts again one that dies, and on SIGINT or SIGTERM asks each to shut down gracefully (uvicorn's own handling of
SIGTERM), waiting at most the graceful shutdown time before it kills what is left; should the parent itself be
killed, each worker gets SIGTERM from the kernel (Linux's parent-death signal) and ends. The per-release caches stay
correct in every process for the reasons given in ``citystat.query.reader``: releases never change, and each
process notices a new release, or a database file switched in place, before it answers.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

STARTUP_FAILURE = 3  # uvicorn's exit code for a server that could not start
BACKLOG = 2048
RESTART_PAUSE = 1.0  # seconds between starts of a process that keeps dying
RESTARTS_ALLOWED = 5  # restarts within RESTART_WINDOW seconds; one more and the server stops: a worker that cannot
RESTART_WINDOW = 60.0  # stay up (an unreadable database, a bug at start) is not started again for ever
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

logger = logging.getLogger("uvicorn.error")


def listening_socket(host: str, port: int, backlog: int = BACKLOG) -> socket.socket:
    """A TCP socket listening on (host, port) that other processes may listen on as well (SO_REUSEPORT)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def port_is_free(host: str, port: int) -> bool:
    """Whether nothing listens on (host, port): a socket without SO_REUSEPORT binds only then, so a second server
    started on a port in use is refused rather than joining the first and sharing its connections."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a port in TIME_WAIT is free
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _end_with_parent(parent: int) -> None:
    """Ask Linux to send this process SIGTERM when its supervisor dies (even by SIGKILL), so that no worker is left
    serving on its own; elsewhere nothing is done."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the supervisor died before the request took effect
        sys.exit(0)


def _serve_one(options: dict[str, Any], parent: int) -> None:
    """One worker process: its own socket on the shared port, and uvicorn serving the app on it."""
    import uvicorn

    _end_with_parent(parent)
    try:
        sock = listening_socket(options["host"], options["port"])
    except OSError as exc:
        print(f"citystat: cannot listen on {options['host']}:{options['port']}: {exc}", file=sys.stderr)
        sys.exit(STARTUP_FAILURE)
    uvicorn.Server(uvicorn.Config(**options)).run(sockets=[sock])


def run_workers(options: dict[str, Any], processes: int, shutdown_seconds: float) -> int:
    """Serve with ``processes`` worker processes until SIGINT or SIGTERM; the exit code.

    ``options`` are uvicorn.Config's (the app as an import string, host, port ...), passed to each process."""
    if not hasattr(socket, "SO_REUSEPORT"):
        raise RuntimeError("this system has no SO_REUSEPORT; serve with --workers 1")
    if not port_is_free(options["host"], options["port"]):
        print(f"citystat: cannot listen on {options['host']}:{options['port']}: the address is in use",
              file=sys.stderr)
        return STARTUP_FAILURE
    context = multiprocessing.get_context("spawn")
    stopping: list[int] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)

    previous = {sig: signal.signal(sig, stop) for sig in _STOP_SIGNALS}

    def start() -> BaseProcess:
        process = context.Process(target=_serve_one, args=(options, os.getpid()), name="citystat-worker")
        process.start()
        return process

    workers = [start() for _ in range(processes)]
    restarts: list[float] = []
    failed = 0
    try:
        while not stopping:
            time.sleep(0.2)
            for index, process in enumerate(workers):
                if process.is_alive() or stopping:
                    continue
                if process.exitcode == STARTUP_FAILURE:
                    logger.error("a worker could not start; stopping the others")
                    failed = STARTUP_FAILURE
                    stopping.append(0)
                    break
                now = time.monotonic()
                restarts = [t for t in restarts if now - t < RESTART_WINDOW] + [now]
                if len(restarts) > RESTARTS_ALLOWED:
                    logger.error("workers ended %s times in %.0f s (the last with exit code %s); stopping",
                                 len(restarts), RESTART_WINDOW, process.exitcode)
                    failed = 1
                    stopping.append(0)
                    break
                logger.warning("worker %s ended (exit code %s); starting another", process.pid, process.exitcode)
                time.sleep(RESTART_PAUSE)
                workers[index] = start()
    finally:
        for process in workers:
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)  # uvicorn's graceful shutdown
        deadline = time.monotonic() + shutdown_seconds + 5
        for process in workers:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return failed
