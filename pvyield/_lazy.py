"""Modules loaded on first attribute access, to keep ``import pvyield`` light.

scipy.stats and scipy.signal take about half a second to import and only a few functions
(synthetic weather, the P-values of the uncertainty) use them.
"""

from __future__ import annotations

import importlib.util
import sys
import types


def lazy_module(name: str) -> types.ModuleType:
    """``name``, imported now if already loaded, else executed on first attribute access.

    The recipe of the Python documentation (:class:`importlib.util.LazyLoader`).

    Raises
    ------
    ModuleNotFoundError
        When ``name`` is not installed (found at once, not at first use).
    """
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
