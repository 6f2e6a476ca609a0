"""The rate limit /config announces, kept per client address, on a server of its own.

With 10 calls per 10 seconds the 11th call in the window is answered 429 with Retry-After; another client
address (127.0.0.2, also loopback) is not affected; after the window calls succeed again. The test waits
for the window to pass, so it is slow (about 10 s).
"""

from __future__ import annotations

import shutil
import time

import httpx
import pytest

from citystat.serve.rate_limit import RateLimiter

CALLS, SECONDS = 10, 10


@pytest.fixture(scope="module")
def limited(built_db, tmp_path_factory, serve_database):
    db = tmp_path_factory.mktemp("ratelimit") / "citystat.duckdb"
    shutil.copy(built_db, db)
    return serve_database(db, env={"CITYSTAT_RATE_LIMIT": f"{CALLS}/{SECONDS}"})


def from_address(address: str, base: str) -> httpx.Client:
    return httpx.Client(base_url=base, timeout=30, transport=httpx.HTTPTransport(local_address=address))


@pytest.mark.slow
def test_the_eleventh_call_in_the_window_waits_and_other_addresses_do_not(limited):
    # 127.0.0.3 and 127.0.0.2: the start-up probe of the fixture already called from 127.0.0.1
    with from_address("127.0.0.3", limited.api) as first, from_address("127.0.0.2", limited.api) as second:
        config = first.get("/config")
        assert config.status_code == 200
        assert (config.json()["maxCallsPerTimeWindow"], config.json()["timeWindow"]) == (CALLS, SECONDS)
        features = {f["id"]: {p["key"]: p["value"] for p in f["params"]} for f in config.json()["features"]}
        assert features["rateLimit"]["enforced"] == "true"
        started = time.monotonic()
        statuses = [first.get("/tables/cooc_cloud/data").status_code for _ in range(CALLS - 1)]
        assert statuses == [200] * (CALLS - 1)
        refused = first.get("/tables", headers={"Origin": "https://example.org"})
        assert refused.status_code == 429, refused.text
        assert refused.headers["access-control-allow-origin"] == "*"  # a browser can read it
        assert "retry-after" in refused.headers["access-control-expose-headers"].lower()
        assert refused.headers["content-type"] == "application/problem+json"
        retry_after = int(refused.headers["retry-after"])
        assert 1 <= retry_after <= SECONDS
        assert refused.json()["status"] == 429 and str(CALLS) in refused.json()["detail"]
        assert time.monotonic() - started < SECONDS  # all of it within one window

        # another address has its own window
        assert [second.get("/config").status_code for _ in range(CALLS)] == [200] * CALLS
        assert second.get("/config").status_code == 429
        # the dashboard's pages are not counted
        assert httpx.get(limited.url + "/", timeout=30).status_code == 200

        time.sleep(retry_after + 0.2)
        assert first.get("/tables").status_code == 200


def test_a_limiter_counts_fixed_windows_per_client():
    now = [100.0]
    limiter = RateLimiter(3, 10, max_clients=2, clock=lambda: now[0])
    assert [limiter.check("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.check("a") == pytest.approx(10)
    now[0] += 4
    assert limiter.check("a") == pytest.approx(6)
    assert limiter.check("b") == 0
    now[0] += 6  # a's window is over
    assert limiter.check("a") == 0
    assert limiter.check("c") == 0  # a third client: the table stays within two entries
    assert len(limiter._windows) <= 2


@pytest.mark.slow
def test_the_limit_can_be_turned_off(built_db, tmp_path_factory, serve_database):
    db = tmp_path_factory.mktemp("unlimited") / "citystat.duckdb"
    shutil.copy(built_db, db)
    server = serve_database(db, env={"CITYSTAT_RATE_LIMIT": "off"})
    with httpx.Client(base_url=server.api, timeout=30) as client:
        assert all(client.get("/config").status_code == 200 for _ in range(40))
        config = client.get("/config").json()
        features = {f["id"]: {p["key"]: p["value"] for p in f["params"]} for f in config["features"]}
        assert features["rateLimit"]["enforced"] == "false"
    bad = serve_database  # a malformed setting stops the server with a message naming it
    with pytest.raises(RuntimeError, match="CITYSTAT_RATE_LIMIT"):
        bad(db, env={"CITYSTAT_RATE_LIMIT": "lots"})
