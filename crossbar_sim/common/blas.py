"""Single-threaded BLAS while our own threads run: one counted, process-wide limit.

threadpoolctl limits are process-wide, so nested or overlapping sections that each set and restore a
limit could restore in the wrong order. Here the first user sets the limit and the last one restores
the original counts. Enter it from the main thread: with the OpenBLAS builds of numpy and scipy seen
here, a limit set or restored from another thread did not behave as a process-wide setting.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

_lock = threading.Lock()
_users = 0
_limiter = None
_controller: ThreadpoolController | None = None


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run the body with every loaded BLAS library on one thread; nested and concurrent use is safe."""
    global _users, _limiter, _controller
    with _lock:
        if _users == 0:
            if _controller is None:
                _controller = ThreadpoolController()
            _limiter = _controller.limit(limits=1, user_api="blas")
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                _limiter.restore_original_limits()
                _limiter = None
