"""Memoising functions of immutable objects (networks, traces, their arrays) by identity.

The window computes some pictures of a network ahead, on a worker thread, and finds them
again on the GUI thread: the object it draws is the very object that was prepared."""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_PLAIN = (int, float, str, bool, type(None))


def identity_cache(size: int) -> Callable[[F], F]:
    """Memoise a function of immutable objects on their identity (plain values by value),
    keeping the last `size` results. An entry holds its arguments, so their ids cannot be
    reused by other objects while it lives. Safe to call from two threads: at worst both
    compute the same value."""

    def wrap(fn: F) -> F:
        entries: OrderedDict[tuple, tuple[tuple, Any]] = OrderedDict()
        lock = threading.Lock()

        @functools.wraps(fn)
        def cached(*args: Any) -> Any:
            key = tuple((type(a), a) if isinstance(a, _PLAIN) else id(a) for a in args)
            with lock:
                hit = entries.get(key)
                if hit is not None:
                    entries.move_to_end(key)
                    return hit[1]
            value = fn(*args)
            with lock:
                entries[key] = (args, value)
                while len(entries) > size:
                    entries.popitem(last=False)
            return value

        cached.cache_clear = entries.clear  # type: ignore[attr-defined]
        return cached  # type: ignore[return-value]

    return wrap
