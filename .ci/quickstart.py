"""The README's quick start as a shell script, so that CI runs exactly what the README shows.

The quick start is every ```bash block between the ``<!-- quickstart:begin -->`` and
``<!-- quickstart:end -->`` lines of README.md. Its command lines (comment lines left out)
become a script that prints each line before running it and stops at the first that fails.
``tests/test_readme_blocks.py`` reads the same lines through :func:`quickstart_lines`.

Usage: ``python .ci/quickstart.py [README.md] > quickstart.sh``
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

BEGIN, END = "<!-- quickstart:begin -->", "<!-- quickstart:end -->"
FENCE = re.compile(r"^```bash\n(.*?)^```", re.MULTILINE | re.DOTALL)


def quickstart_lines(readme: str | Path) -> list[str]:
    """Command lines of the quick start, in order (comment-only and blank lines dropped)."""
    text = Path(readme).read_text(encoding="utf-8")
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise SystemExit(f"{readme}: expected one {BEGIN} ... {END} section")
    section = text[text.index(BEGIN) + len(BEGIN):text.index(END)]
    lines = [line.strip() for block in FENCE.findall(section) for line in block.splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    if not lines:
        raise SystemExit(f"{readme}: the quick start section holds no ```bash command line")
    return lines


def script(lines: list[str]) -> str:
    """A bash script running each line after printing it, stopping at the first failure."""
    out = ["set -euo pipefail"]
    for line in lines:
        # the seconds since the script started, then the line as the README shows it
        out += [f"printf '[%3d s] $ %s\\n' \"$SECONDS\" {shlex.quote(line)}", line]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(script(quickstart_lines(sys.argv[1] if len(sys.argv) > 1 else "README.md")))
