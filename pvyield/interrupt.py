"""Ctrl-C that cannot be lost.

A SIGINT that arrives while a C parser (pandas' CSV reader) is blocked in ``read()`` is
turned by that parser into its own error ("Calling read(nbytes) on source failed"), which
a reader then reports as a bad file: the interruption would be lost and a batch would go
on. The command line installs :func:`handler`, which records the signal before raising
``KeyboardInterrupt``; long loops call :func:`check` so that a recorded interruption stops
them even when the exception itself was swallowed on the way.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

_INTERRUPTED = threading.Event()


def handler(signum: int, frame: object) -> None:
    """SIGINT handler: remember the interruption, then raise ``KeyboardInterrupt``."""
    _INTERRUPTED.set()
    raise KeyboardInterrupt


def interrupted() -> bool:
    """Whether Ctrl-C was pressed since :func:`catching` began."""
    return _INTERRUPTED.is_set()


def check() -> None:
    """Raise ``KeyboardInterrupt`` if Ctrl-C was pressed (even if swallowed since)."""
    if _INTERRUPTED.is_set():
        raise KeyboardInterrupt


@contextlib.contextmanager
def catching() -> Iterator[None]:
    """Install :func:`handler` for SIGINT (main thread only), restore the previous one.

    The recorded interruption is cleared on the way in and on the way out, so that one
    interrupted command does not stop library calls made later in the same process.
    """
    _INTERRUPTED.clear()
    if threading.current_thread() is not threading.main_thread():
        try:
            yield
        finally:
            _INTERRUPTED.clear()
        return
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        _INTERRUPTED.clear()
