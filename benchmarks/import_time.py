"""How long ``import pvyield`` takes against ``import pvlib``, in fresh processes.

pvyield needs pvlib, so ``import pvlib`` is the floor; the target is a ratio of at most 1.6
(medians of several runs, each in a new interpreter, alternating the two so that a busy
machine slows both alike). Usage::

    python benchmarks/import_time.py [--runs 7] [--python PATH]

Prints each median [s] and the ratio; exit code 1 when the ratio is above the target.
``python -X importtime -c "import pvyield"`` shows where the time goes.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile

#: Largest accepted ratio of the medians, import pvyield / import pvlib [-].
TARGET_RATIO = 1.6

# time.perf_counter around the import only: interpreter start-up is excluded, as is the
# site-packages scan that every Python process pays
_SNIPPET = ("import time; t = time.perf_counter(); import {module}; "
            "print(time.perf_counter() - t)")


def import_seconds(python: str, module: str) -> float:
    """Seconds to import ``module`` in a fresh interpreter [s]."""
    # run from an empty directory so that the checkout is not on sys.path by accident
    with tempfile.TemporaryDirectory() as empty:
        out = subprocess.run([python, "-c", _SNIPPET.format(module=module)], cwd=empty,
                             capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="imports of each module")
    parser.add_argument("--python", default=sys.executable, help="interpreter to measure")
    args = parser.parse_args(argv)
    times: dict[str, list[float]] = {"pvlib": [], "pvyield": []}
    import_seconds(args.python, "pvyield")  # warm the file cache and numba's, if any
    for _ in range(args.runs):
        for module in times:
            times[module].append(import_seconds(args.python, module))
    medians = {m: statistics.median(t) for m, t in times.items()}
    ratio = medians["pvyield"] / medians["pvlib"]
    for module, t in times.items():
        print(f"import {module:8s} median {medians[module]:.3f} s "
              f"(min {min(t):.3f}, max {max(t):.3f}, {len(t)} runs)")
    print(f"ratio pvyield / pvlib  {ratio:.2f}  (target <= {TARGET_RATIO})")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
