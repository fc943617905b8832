"""The physical model chain, from site and weather to AC power.

:func:`run_chain` is the per-site reference on pvlib; :func:`run_sites` computes the same
chain for many sites at once (compiled with numba, imported on first use so that
``import pvyield`` does not load numba).
"""

from typing import Any

from pvyield.model.chain import STAGES, ChainOutput, run_chain

__all__ = ["STAGES", "ChainOutput", "run_chain", "run_sites"]


def __getattr__(name: str) -> Any:
    if name == "run_sites":
        from pvyield.model.engine import run_sites

        return run_sites
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
