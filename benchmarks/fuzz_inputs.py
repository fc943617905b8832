"""Long fuzz run of the input-reader properties of ``tests/badinputs``.

    python benchmarks/fuzz_inputs.py --examples 20000 [--only sam]

Runs every property of ``tests/badinputs/test_properties.py`` (site files: any bytes,
mutated YAML, TOML, arbitrary field values; weather files: SAM CSV cells, mutated SAM,
NSRDB and TMY3 files, any bytes in every format) with many more examples, drawn at random,
and prints per property the examples run and the time taken. A failing property prints its
smallest failing input (hypothesis shrinks it); the run then exits with code 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Long fuzz run of pvyield's input readers.")
    parser.add_argument("--examples", type=int, default=20000,
                        help="examples per property (default 20000)")
    parser.add_argument("--only", default="", help="run the properties whose name has this")
    args = parser.parse_args(argv)
    # read by tests/badinputs/test_properties.py when it is imported
    os.environ["PVYIELD_FUZZ_EXAMPLES"] = str(args.examples)
    os.environ["PVYIELD_FUZZ_RANDOM"] = "1"
    sys.path.insert(0, str(ROOT))
    from tests.badinputs import test_properties

    tests = [(name, test) for name, test in vars(test_properties).items()
             if name.startswith("test_") and callable(test) and args.only in name]
    failed = 0
    for name, test in tests:
        start = time.perf_counter()
        try:
            test()
        except Exception:
            failed += 1
            print(f"FAIL {name}", flush=True)
            traceback.print_exc()
            continue
        print(f"ok   {name}: {args.examples} examples in {time.perf_counter() - start:.1f} s",
              flush=True)
    print(f"{len(tests) - failed} of {len(tests)} properties held")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
