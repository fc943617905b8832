"""The physical model chain, from site and weather to AC power.

:func:`run_chain` is the per-site reference on pvlib; :func:`run_sites` computes the same
chain for many sites at once.
"""

from pvyield.model.chain import STAGES, ChainOutput, run_chain
from pvyield.model.engine import run_sites

__all__ = ["STAGES", "ChainOutput", "run_chain", "run_sites"]
