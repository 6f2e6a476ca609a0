"""The web app: the PxWeb API 2.0 over the store, administration, and (later) the dashboard.

Use ``citystat.serve.app.create_app(db_path, admin_token=...)``; the answers themselves are plain functions
in ``citystat.serve.pxweb``.
"""
