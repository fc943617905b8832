"""Time the compiled maximum power point against pvlib's.

The compiled :func:`pvyield.model.kernels_equipment.max_power_point` (Brent's method, as
pvlib's default) runs over ``--points`` single-diode parameter sets (default 1e6: PVsyst
parameters of the module file in ``tests/data/equipment``, random effective irradiance
0-1400 W/m^2 and cell temperature -20..85 °C, seed 0). pvlib's
:func:`pvlib.pvsystem.max_power_point` runs with its default ``method='brentq'`` (a
Python-level ``brentq`` per point, about 0.5 ms each: on a subset of ``--brentq-points``,
default 10,000, and compared per point) and with ``method='newton'`` (vectorised numpy, on
all points). Compilation is done before the clock starts. Prints seconds, microseconds per
point, the ratio of pvlib's time per point to the kernel's, and the largest relative
difference of ``p_mp``.

Run from the repository root::

    .venv/bin/python benchmarks/singlediode_kernel.py [--points N] [--brentq-points N]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pvlib
from scipy import constants

from pvyield.model import kernels_equipment as ke

PAN = Path(__file__).resolve().parent.parent / "tests" / "data" / "equipment" / \
    "ET-M772BH550GL.PAN"


def pan_parameters() -> dict[str, float]:
    """calcparams_pvsyst arguments of the PAN file (photocurrent and saturation current at
    reference conditions from the single-diode equation at Isc and Voc, as
    tests/test_kernels_equipment.py does)."""
    m = pvlib.iotools.read_panond(PAN)["PVObject_"]
    a = m["Gamma"] * constants.k / constants.e * m["NCelS"] * (m["TRef"] + 273.15)
    r_s, r_sh, i_sc, v_oc = m["RSerie"], m["RShunt"], m["Isc"], m["Voc"]
    e_sc, e_oc = np.exp(i_sc * r_s / a), np.exp(v_oc / a)
    i_o = (i_sc - (v_oc - i_sc * r_s) / r_sh) / (e_oc - e_sc)
    return {"alpha_sc": m["muISC"] / 1000.0, "gamma_ref": m["Gamma"],
            "mu_gamma": m["muGamma"], "I_L_ref": i_o * (e_oc - 1.0) + v_oc / r_sh,
            "I_o_ref": i_o, "R_sh_ref": r_sh, "R_sh_0": m["Rp_0"], "R_sh_exp": m["Rp_Exp"],
            "R_s": r_s, "cells_in_series": m["NCelS"]}


def timed(func, *args, **kwargs):
    start = time.perf_counter()
    out = func(*args, **kwargs)
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--brentq-points", type=int, default=10_000)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    g = rng.uniform(0.0, 1400.0, args.points)
    t = rng.uniform(-20.0, 85.0, args.points)
    sdm = pvlib.pvsystem.calcparams_pvsyst(g, t, **pan_parameters())
    ke.max_power_point_array(*(x[:10] for x in sdm))  # compile (or load the cache)

    (_, _, p_ours), s_ours = timed(ke.max_power_point_array, *sdm)
    per_ours = s_ours / args.points
    print(f"compiled kernel      {args.points:>9,} points {s_ours:9.3f} s "
          f"{1e6 * per_ours:9.3f} us/point")

    n = min(args.brentq_points, args.points)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ref, s_ref = timed(pvlib.pvsystem.max_power_point, *(x[:n] for x in sdm))
    diff = np.max(np.abs(p_ours[:n] - ref["p_mp"]) / np.maximum(ref["p_mp"], 1e-300))
    print(f"pvlib brentq         {n:>9,} points {s_ref:9.3f} s "
          f"{1e6 * s_ref / n:9.3f} us/point  ratio {s_ref / n / per_ours:8.1f}  "
          f"max rel diff p_mp {diff:.1e}")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ref, s_ref = timed(pvlib.pvsystem.max_power_point, *sdm, method="newton")
    diff = np.max(np.abs(p_ours - ref["p_mp"]) / np.maximum(ref["p_mp"], 1e-300))
    print(f"pvlib newton         {args.points:>9,} points {s_ref:9.3f} s "
          f"{1e6 * s_ref / args.points:9.3f} us/point  ratio "
          f"{s_ref / args.points / per_ours:8.1f}  max rel diff p_mp {diff:.1e}")


if __name__ == "__main__":
    main()
