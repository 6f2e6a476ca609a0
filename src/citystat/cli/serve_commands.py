"""citystat serve: the dashboard and the PxWeb API 2.0 over the database, under uvicorn."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from citystat.cli.app import DbOption, app, console, db_path, reports_errors


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
) -> None:
    """Serve the dashboard at / and the statistics through the PxWeb API 2.0 at /api/v2, with docs at /docs.

    Administration (/api/v2/admin) is enabled when CITYSTAT_ADMIN_TOKEN is set, and needs that token.
    """
    import uvicorn

    from citystat.dashboard.app import create_site
    from citystat.serve.app import ADMIN_TOKEN_ENV

    token = os.environ.get(ADMIN_TOKEN_ENV) or None
    path = db_path(db)
    web = create_site(path, admin_token=token, max_data_cells=max_data_cells)
    shown = f"[{host}]" if ":" in host else host
    console.print(f"citystat: dashboard at http://{shown}:{port}/", highlight=False)
    console.print(f"citystat: PxWeb API at http://{shown}:{port}/api/v2 (docs at /docs) over {path}; "
                  f"administration {'enabled' if token else 'disabled (set ' + ADMIN_TOKEN_ENV + ')'}",
                  highlight=False)
    uvicorn.run(web, host=host, port=port, access_log=access_log, log_level="info")
