"""The physical model chain, from site and weather to AC power."""

from pvyield.model.chain import STAGES, ChainOutput, run_chain

__all__ = ["STAGES", "ChainOutput", "run_chain"]
