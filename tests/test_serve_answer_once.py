"""An answer not yet cached is built once, however many requests ask for it meanwhile (after a new release every
client asks again at once): the others wait for that build, a failure reaches every asker, and the first asker
going away does not stop the build the others wait for."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest

from citystat.query import StoreReader
from citystat.serve.context import ServeContext
from citystat.serve.pxweb import ApiSettings


class Builds:
    """A build that takes a while (in the server's worker threads), counting how often it ran."""

    def __init__(self, seconds: float = 0.05, fails: bool = False):
        self.seconds, self.fails = seconds, fails
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self) -> tuple[bytes, str, dict[str, str]]:
        with self._lock:
            self.count += 1
        time.sleep(self.seconds)
        if self.fails:
            raise ValueError("the table could not be read")
        return b'{"value": [1, 2, 3]}', "application/json", {}


T = TypeVar("T")


def run(asking: Callable[[], Awaitable[T]]) -> T:
    """Run the askers on an event loop of their own, in a thread of its own, as a server's loop is (the suite's
    browser tests keep a loop running in the main thread)."""
    async def main() -> T:
        return await asking()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result()


@pytest.fixture()
def context(built_db: Path) -> ServeContext:
    return ServeContext(StoreReader(built_db), ApiSettings())


def test_many_askers_of_one_answer_build_it_once_and_share_it(context: ServeContext) -> None:
    build = Builds()

    async def ask() -> list:
        return await asyncio.gather(*(context.get_answer(("table", 1), build) for _ in range(32)))

    answers = run(ask)
    assert build.count == 1
    assert all(answer is answers[0] for answer in answers) and answers[0].body == b'{"value": [1, 2, 3]}'
    assert run(lambda: context.get_answer(("table", 1), build)) is answers[0] and build.count == 1  # cached
    other = Builds()
    run(lambda: context.get_answer(("table", 2), other))  # another key: a build of its own
    assert other.count == 1


def test_a_failed_build_reaches_every_asker_and_the_next_ask_builds_again(context: ServeContext) -> None:
    broken = Builds(fails=True)

    async def ask() -> list:
        return await asyncio.gather(*(context.get_answer(("table", 3), broken) for _ in range(8)),
                                    return_exceptions=True)

    failures = run(ask)
    assert broken.count == 1
    assert all(isinstance(f, ValueError) and str(f) == "the table could not be read" for f in failures)
    mended = Builds()
    assert run(lambda: context.get_answer(("table", 3), mended)).body == b'{"value": [1, 2, 3]}'
    assert mended.count == 1


def test_the_first_asker_going_away_does_not_stop_the_build_the_others_wait_for(context: ServeContext) -> None:
    build = Builds(seconds=0.2)

    async def ask() -> tuple[object, object]:
        first = asyncio.ensure_future(context.get_answer(("table", 4), build))
        await asyncio.sleep(0.02)  # its build has started
        second = asyncio.ensure_future(context.get_answer(("table", 4), build))
        await asyncio.sleep(0.02)
        first.cancel()  # its client disconnected
        answer = await second
        with pytest.raises(asyncio.CancelledError):
            await first
        return answer, context.cache.get(("table", 4))

    answer, cached = run(ask)
    assert build.count == 1 and answer is cached
