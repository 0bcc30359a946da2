"""Memoising functions of immutable objects (networks, traces, their arrays) by identity.

The window computes some pictures of a network ahead, on a worker thread, and finds them
again on the GUI thread: the object it draws is the very object that was prepared."""

from __future__ import annotations

import functools
import threading
import weakref
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


def while_alive(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Memoise a function of one immutable object (a read-only array) on its identity for
    as long as the object lives, without keeping it alive: for values of big matrices that
    many networks share (an edit keeps all but one of them)."""
    entries: dict[int, tuple[weakref.ref, Any]] = {}

    @functools.wraps(fn)
    def cached(obj: Any) -> Any:
        hit = entries.get(id(obj))
        if hit is not None and hit[0]() is obj:
            return hit[1]
        value = fn(obj)
        key = id(obj)

        def forget(ref: weakref.ref, key: int = key) -> None:
            # (a later object may have taken the id meanwhile: then its entry stays)
            if entries.get(key, (None,))[0] is ref:
                entries.pop(key, None)

        entries[key] = (weakref.ref(obj, forget), value)
        return value

    return cached
