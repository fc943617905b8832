"""Values of the last few keys, kept between calls (the Sun's time terms of the weather's
stamps, the weather checks' time bases): one thread-safe helper instead of one per cache."""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class Kept(Generic[T]):
    """The values of the last ``size`` keys used, each computed once.

    Dask workers may run chunks in threads of one process: look-ups hold a lock, the
    computation does not, so threads compute the values of different keys at once (two
    threads asking for the same new key may both compute it; the values are equal).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: collections.OrderedDict[Hashable, T] = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value kept for ``key``, else ``make()`` kept as the newest."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = make()
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget every kept value."""
        with self._lock:
            self._values.clear()
