"""The async client's task lock: taken at once when free, first come first served otherwise,
a cancelled waiter takes nothing (and passes on what was handed to it), and it serves one
event loop after another."""

from __future__ import annotations

import asyncio

import pytest

from keystone._locks import TaskLock


def test_free_lock_is_taken_without_awaiting_and_waiters_go_in_order() -> None:
    order: list[int] = []

    async def main() -> None:
        lock = TaskLock()
        assert lock.try_acquire() and lock.locked()
        assert not lock.try_acquire()

        async def waiter(n: int) -> None:
            async with lock:
                order.append(n)

        tasks = [asyncio.ensure_future(waiter(n)) for n in range(3)]
        await asyncio.sleep(0)
        assert not lock.try_acquire()  # held, and others wait: nobody jumps the queue
        lock.release()
        await asyncio.gather(*tasks)
        assert not lock.locked()

    asyncio.run(main())
    assert order == [0, 1, 2]


def test_a_cancelled_waiter_takes_nothing_and_passes_on_what_it_was_handed() -> None:
    async def main() -> None:
        lock = TaskLock()
        assert lock.try_acquire()
        first = asyncio.ensure_future(lock.acquire())
        second = asyncio.ensure_future(lock.acquire())
        await asyncio.sleep(0)
        first.cancel()  # cancelled while waiting: it leaves the queue
        await asyncio.sleep(0)
        lock.release()  # handed to the second
        await second
        assert lock.locked()
        third = asyncio.ensure_future(lock.acquire())
        await asyncio.sleep(0)
        lock.release()  # handed to the third, which is cancelled before it runs
        third.cancel()
        with pytest.raises(asyncio.CancelledError):
            await third
        assert not lock.locked()  # the third passed it on, to nobody
        assert first.cancelled()

    asyncio.run(main())


def test_the_lock_serves_one_event_loop_after_another() -> None:
    lock = TaskLock()

    async def contend() -> int:
        count = 0

        async def one() -> None:
            nonlocal count
            async with lock:
                await asyncio.sleep(0)
                count += 1

        await asyncio.gather(*(one() for _ in range(5)))
        return count

    assert asyncio.run(contend()) == 5
    assert asyncio.run(contend()) == 5
    assert not lock.locked()
