"""citystat serve: the dashboard and the PxWeb API 2.0 over the database, under uvicorn."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from citystat.cli.app import DbOption, app, console, db_path, errors, reports_errors

SHUTDOWN_SECONDS = 10


@app.command()
@reports_errors
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on")] = 8000,
    db: DbOption = None,
    max_data_cells: Annotated[
        int | None, typer.Option("--max-data-cells", help="Most cells one data query may fetch [default: 1000000]")
    ] = None,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log", help="Log every request")] = True,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, help="Server processes [default: the number of cores]", show_default=False)] = None,
) -> None:
    """Serve the dashboard at / and the statistics through the PxWeb API 2.0 at /api/v2, with docs at /docs.

    Administration (/api/v2/admin) is enabled when CITYSTAT_ADMIN_TOKEN is set, and needs that token.

    With several workers each process listens on the port itself (SO_REUSEPORT: the kernel spreads connections over
    them) and keeps its own caches; they stay correct because releases never change and every process notices a
    new release (or a database file switched in its place) before answering.
    """
    import uvicorn

    from citystat.dashboard.app import create_site
    from citystat.query.reader import StoreUnavailable
    from citystat.serve.app import ADMIN_TOKEN_ENV, MAX_DATA_CELLS_ENV
    from citystat.serve.workers import run_workers
    from citystat.store import DB_ENV

    token = os.environ.get(ADMIN_TOKEN_ENV) or None
    if token is not None and not token.strip():
        errors.print(f"[bold red]error:[/] {ADMIN_TOKEN_ENV} is only whitespace: no request could match it; set a "
                     "real secret, or unset it to disable administration", highlight=False)
        sys.exit(2)
    path = db_path(db)
    try:
        web = create_site(path, admin_token=token, max_data_cells=max_data_cells)
    except StoreUnavailable as exc:
        errors.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)
    shown = f"[{host}]" if ":" in host else host
    console.print(f"citystat: dashboard at http://{shown}:{port}/", highlight=False)
    console.print(f"citystat: PxWeb API at http://{shown}:{port}/api/v2 (docs at /docs) over {path}; "
                  f"administration {'enabled' if token else 'disabled (set ' + ADMIN_TOKEN_ENV + ')'}",
                  highlight=False)
    processes = workers or os.cpu_count() or 1
    if processes == 1:
        # a shutdown waits for requests at most this long, then cancels them (an admin load's child is killed)
        uvicorn.run(web, host=host, port=port, access_log=access_log, log_level="info",
                    timeout_graceful_shutdown=SHUTDOWN_SECONDS)
        return
    del web  # it was built to check the database and settings; each worker builds its own from the environment
    os.environ[DB_ENV] = str(path.resolve())
    if max_data_cells is not None:
        os.environ[MAX_DATA_CELLS_ENV] = str(max_data_cells)
    console.print(f"citystat: {processes} worker processes, each listening on the port (SO_REUSEPORT)",
                  highlight=False)
    options = {"app": "citystat.dashboard.app:app_from_env", "factory": True, "host": host, "port": port,
               "access_log": access_log, "log_level": "info", "timeout_graceful_shutdown": SHUTDOWN_SECONDS}
    code = run_workers(options, processes, SHUTDOWN_SECONDS)
    if code:
        sys.exit(code)
