"""Compiled AR(1) recursion of the synthetic years (imports numba: imported on first use).

The recursion ``z[i] = rho z[i-1] + sqrt(1 - rho^2) e[i]`` is what
``scipy.signal.lfilter([sqrt(1 - rho^2)], [1, -rho], e[1:], zi=[rho e[0]])`` computes, in the
same order of operations, so the two give the same floats bit for bit (checked in
``tests/test_synthetic_many.py``); loading ``scipy.signal`` for this one filter cost about
0.3 s of every process's start.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def ar1_filter(shocks: np.ndarray, rho: float) -> np.ndarray:
    """Standard-normal AR(1) series from standard-normal ``shocks`` [-], lag-one
    correlation ``rho``; ``z[0] = shocks[0]``."""
    innovation = np.sqrt(1.0 - rho**2)
    z = np.empty_like(shocks)
    z[0] = shocks[0]
    previous = shocks[0]
    for i in range(1, shocks.size):
        previous = rho * previous + innovation * shocks[i]
        z[i] = previous
    return z
