"""Admin loads in a process of their own: the server's event loop and memory never carry a load's work.

A load (JSON body -> metadata and values parsed, checked, written as a release) runs in a child process
forked from a preloaded forkserver, so it starts in milliseconds and shares nothing with the server but
the database file. The server waits for it without blocking its event loop, within the time budget
(limit ``load_seconds``); past it, or when the server shuts down, the child is killed, which leaves the
database as it was (a load is one transaction). Every request gets an answer: the child's, or a problem
saying why there is none. One load runs at a time; the next waits its turn within the same budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from citystat import limits as input_limits
from citystat.limits import Limits

Outcome = tuple[int, dict[str, Any]]  # HTTP status, and the answer's body (a problem when not 2xx)
DB_BUSY_SECONDS = 10.0  # how long a load waits for a reader of another process to let go of the file


def _clean(data: Any) -> Any:
    """The answer with every string writable as UTF-8 (a lone surrogate in the input becomes \\ud800)."""
    if isinstance(data, str):
        return data.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(data, dict):
        return {_clean(k): _clean(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_clean(v) for v in data]
    return data


def _problem(status: int, code: str, detail: str, **extra: Any) -> Outcome:
    return status, {"code": code, "detail": detail, **extra}


def run_load(db: Path, body: bytes, limits: Limits) -> Outcome:
    """Parse, check and store one load request; never raises for bad input."""
    import duckdb
    from pydantic import ValidationError

    from citystat.catalog.tablefile import parse_meta, parse_values
    from citystat.formats.jsonstat import iso_utc
    from citystat.model import InvalidInput, Provenance, meta_from_dict
    from citystat.serve.schemas import LoadRequest
    from citystat.store import Store

    try:
        request = LoadRequest.model_validate_json(body)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {str(e['msg'])[:200]}"
                             for e in exc.errors()[:limits.problems_shown])
        return _problem(400, "invalid-request", f"the body must be JSON {{meta, values, origin?}}: {problems}")
    del body
    try:
        if isinstance(request.meta, str):
            meta = parse_meta(request.meta.encode("utf-8", "surrogatepass"), name="meta.yaml", limits=limits)
        else:
            meta = meta_from_dict(request.meta, file="meta", limits=limits)
        table = parse_values(request.values, meta, name="values.csv", limits=limits)
        origin = Provenance.api((request.origin or f"api:{meta.id}")[:200])
        deadline = time.monotonic() + DB_BUSY_SECONDS
        while True:
            try:
                store = Store(db)
                break
            except duckdb.IOException:
                if time.monotonic() > deadline:
                    return _problem(503, "database-busy", "the database is held by another process; try again")
                time.sleep(0.05)
        try:
            (result,) = store.load_many([table], origin=origin)
        except BaseException:
            store.close()
            raise
        with contextlib.suppress(duckdb.Error):  # committed: a checkpoint failing on close leaves the log to replay
            store.close()
    except InvalidInput as exc:
        return _problem(400, "invalid-table", str(exc), problems=[p.to_dict() for p in exc.problems])
    except (MemoryError, duckdb.OutOfMemoryException):  # Python's or DuckDB's allocation refused under the cap
        return _problem(413, "too-large", "the load needs more memory than this server allows; nothing was "
                        f"loaded; {limits.describe('load_memory_bytes')}")
    info = result.release
    return (201 if result.created else 200), {
        "table": info.table_id, "release": info.release, "contentHash": info.content_hash,
        "loadedAt": iso_utc(info.loaded_at), "origin": info.origin, "cellCount": info.cell_count,
        "created": result.created}


def _die_with_parent() -> None:
    """On Linux, SIGKILL this process when its parent (the forkserver, which ends with the server) ends, so no
    load outlives a server that stopped; elsewhere the parent's kill on shutdown is the only bound."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _exit_when_server_gone(connection: Connection) -> None:
    """The server sends nothing after the body: the connection becomes readable only when it closes (the
    server killed this load or ended), and then this process ends at once, its transaction unwritten."""
    try:
        connection.poll(None)
    finally:
        os._exit(70)


def _cap_memory(limits: Limits) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limits.load_memory_bytes, limits.load_memory_bytes))
    except (ImportError, ValueError, OSError):
        pass


def _child(connection: Connection, db: str, limits: Limits) -> None:
    import duckdb

    _die_with_parent()
    _cap_memory(limits)
    body = connection.recv_bytes()
    threading.Thread(target=_exit_when_server_gone, args=(connection,), daemon=True).start()
    try:
        outcome = run_load(Path(db), body, limits)
    except (MemoryError, duckdb.OutOfMemoryException):
        outcome = _problem(413, "too-large", "the load needs more memory than this server allows; nothing was "
                           f"loaded; {limits.describe('load_memory_bytes')}")
    except Exception as exc:  # noqa: BLE001 - the server must answer; this says what broke
        outcome = _problem(500, "load-failed", f"the load failed: {type(exc).__name__}: {str(exc)[:500]}")
    connection.send(_clean(outcome))
    connection.close()


_CONTEXT: Any = None


def _context() -> Any:
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = multiprocessing.get_context("forkserver")
        _CONTEXT.set_forkserver_preload(["citystat.serve.admin_loads", "citystat.catalog.tablefile",
                                         "citystat.store", "citystat.serve.schemas"])
    return _CONTEXT


@dataclass
class LoadRunner:
    """Runs admin loads one at a time in child processes; ``stop`` kills the one running."""

    db: Path
    gate: asyncio.Lock | None = None
    running: Any = None

    async def run(self, body: bytes, limits: Limits | None = None) -> Outcome:
        limits = limits or input_limits.current()
        deadline = time.monotonic() + limits.load_seconds
        gate = self.gate = self.gate or asyncio.Lock()
        try:
            await asyncio.wait_for(gate.acquire(), timeout=limits.load_seconds)
        except TimeoutError:
            return _problem(503, "admin-busy", "another load is running and did not finish in time; try again")
        try:
            return await self._run(body, limits, deadline)
        finally:
            gate.release()

    async def _run(self, body: bytes, limits: Limits, deadline: float) -> Outcome:
        context = _context()
        parent, child = context.Pipe()
        process = context.Process(target=_child, args=(child, str(self.db), limits), daemon=True)
        await asyncio.to_thread(process.start)
        child.close()
        self.running = process
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        async def exchange() -> None:
            await asyncio.to_thread(parent.send_bytes, body)
            loop.add_reader(parent.fileno(), wake)
            try:
                await ready
            finally:
                loop.remove_reader(parent.fileno())

        try:
            await asyncio.wait_for(exchange(), timeout=max(0.0, deadline - time.monotonic()))
            try:
                outcome: Outcome = parent.recv()
            except EOFError:
                code = process.exitcode
                return _problem(413, "too-large", f"the load ended without an answer (exit {code}), most likely "
                                f"out of memory; nothing was loaded; {limits.describe('load_memory_bytes')}")
            return outcome
        except TimeoutError:
            return _problem(413, "load-timeout", f"the load did not finish within {limits.load_seconds:g} s; "
                            f"nothing was loaded; {limits.describe('load_seconds')}")
        except (BrokenPipeError, ConnectionResetError):
            return _problem(413, "too-large", f"the load ended early (exit {process.exitcode}), most likely out of "
                            "memory; nothing was loaded")
        finally:
            self.running = None
            if process.is_alive():
                process.kill()
            await asyncio.to_thread(process.join, 5)
            parent.close()

    def stop(self) -> None:
        process = self.running
        if process is not None and process.is_alive():
            process.kill()
