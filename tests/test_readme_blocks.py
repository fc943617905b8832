"""Every code block of the README runs as written.

The ```python blocks run in order in one namespace (a later block uses the ``result`` of an
earlier one); the ``pvyield ...`` lines of ```bash and ```console blocks run through
:func:`pvyield.cli.main` in-process and must exit as shown (a console block whose output
starts with ``pvyield: error:`` shows exit code 2, any other 0). Both run in a temporary
folder where ``sites/`` and ``weather/`` are the repository's. A block whose first line is
``# readme-test: skip (reason)`` is left out: the reason names the test that covers it.
"""

from __future__ import annotations

import glob
import re
import shlex

import matplotlib
import pandas as pd
import pytest
import yaml

from pvyield.cli import main

from .conftest import ROOT

README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
SKIP = "# readme-test: skip"


def readme_blocks(*kinds: str) -> list[tuple[int, str, str]]:
    """(line, kind, text) of each fenced block of these kinds, in README order."""
    text = README.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 1, m.group(1), m.group(2))
            for m in FENCE.finditer(text) if m.group(1) in kinds]


def commands(kind: str, text: str) -> list[tuple[list[str], int, str]]:
    """The ``pvyield`` command lines of a block: (argv, expected exit code, shown output)."""
    found = []
    if kind == "console":
        parts = re.split(r"^\$ ", text, flags=re.MULTILINE)[1:]
        for part in parts:
            line, _, shown = part.partition("\n")
            if line.startswith("pvyield "):
                code = 2 if shown.startswith("pvyield: error:") else 0
                found.append((shlex.split(line, comments=True), code, shown))
    else:
        for line in text.splitlines():
            if line.startswith("pvyield "):
                found.append((shlex.split(line, comments=True), 0, ""))
    return found


def expand(argv: list[str]) -> list[str]:
    """Shell globbing of the arguments (``sites/*``), sorted like a shell does."""
    out = []
    for arg in argv:
        out += sorted(glob.glob(arg)) if "*" in arg else [arg]
    return out


EXPLORADOR = "CHL_ExploradorSolar_TMY_-22.9234_-69.9099_1635m_SAMcsv.csv"


@pytest.fixture()
def workdir(tmp_path, monkeypatch):
    """The repository's sites/ and weather files, and the two bad files the README shows
    the messages of: broken.yaml (latitude 95, a dual-axis mounting) and site.yaml (CEME1
    on weather/kelvin.csv, its weather with air temperature in kelvin)."""
    (tmp_path / "sites").symlink_to(ROOT / "sites", target_is_directory=True)
    weather = tmp_path / "weather"
    weather.mkdir()
    for path in (ROOT / "weather").iterdir():
        (weather / path.name).symlink_to(path)
    header = (ROOT / "weather" / EXPLORADOR).read_text(encoding="utf-8").splitlines()[:2]
    table = pd.read_csv(ROOT / "weather" / EXPLORADOR, skiprows=2)
    table["Tdry"] += 273.15
    (weather / "kelvin.csv").write_text("\n".join(header) + "\n" + table.to_csv(index=False),
                                        encoding="utf-8")
    site = yaml.safe_load((ROOT / "sites" / "ceme1.yaml").read_text(encoding="utf-8"))
    site["weather"]["file"] = "weather/kelvin.csv"
    (tmp_path / "site.yaml").write_text(yaml.safe_dump(site), encoding="utf-8")
    site["weather"]["file"] = "weather/" + EXPLORADOR
    site["latitude"] = 95
    site["plant"]["mounting"] = {"type": "dual_axis"}
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(site), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    matplotlib.use("Agg")
    return tmp_path


def test_the_readme_has_blocks_of_each_kind():
    assert len(readme_blocks("python")) >= 3
    assert sum(len(commands(k, t)) for _, k, t in readme_blocks("bash", "console")) >= 4


def test_python_blocks_run_in_order(workdir):
    namespace: dict = {"__name__": "readme"}
    ran = 0
    for line, _, text in readme_blocks("python"):
        if text.startswith(SKIP):
            continue
        exec(compile(text, f"README.md, block at line {line}", "exec"), namespace)
        ran += 1
    assert ran >= 2
    assert (workdir / "reports" / "mauriti.html").is_file()  # report.write_report ran


def test_command_lines_exit_as_shown(workdir, capsys):
    ran = []
    for line, kind, text in readme_blocks("bash", "console"):
        if text.startswith(SKIP):
            continue
        for argv, code, shown in commands(kind, text):
            status = main(expand(argv[1:]))
            captured = capsys.readouterr()
            assert status == code, (line, argv, captured.err)
            if code == 2:  # the message as the README shows it, line for line
                assert captured.err.splitlines() == shown.splitlines(), line
            elif kind == "console":
                assert shown.splitlines()[0] in captured.out, line
            ran.append(argv)
    assert any(a[1] == "report" for a in ran) and any(a[1] == "estimate" for a in ran)


def _quickstart():
    """The extractor .ci/run uses (.ci/quickstart.py), loaded from its file."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("quickstart", ROOT / ".ci" / "quickstart.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quickstart_needs_the_wheel_only(tmp_path, monkeypatch, capsys):
    """The quick start that .ci/run runs line by line from the wheel: it installs the wheel
    of this version (its dependencies from the index, no --no-deps), refers to no file of the
    checkout, uses commands that exist, and its example site loads."""
    import tomllib

    quickstart = _quickstart()
    lines = quickstart.quickstart_lines(README)
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    installs = [line for line in lines if line.startswith("pip install")]
    assert installs == [f"pip install dist/pvyield-{version}-py3-none-any.whl"]
    checkout = re.compile(r"(?<![\w.])(sites|weather|tests|notebooks|benchmarks)/|-e |\.\[|"
                          r"--no-deps")
    assert [line for line in lines if checkout.search(line)] == []
    script = quickstart.script(lines)
    assert script.startswith("set -euo pipefail\n")
    assert all(f"\n{line}\n" in script for line in lines)
    # each pvyield line parses (argparse exits 2 on an unknown command or option) and the
    # example site it writes loads as a site
    from pvyield.cli import _parser
    from pvyield.site import load_site

    monkeypatch.chdir(tmp_path)
    argvs = [shlex.split(line, comments=True)[1:] for line in lines
             if line.startswith("pvyield ")]
    assert [a[0] for a in argvs][:2] == ["example", "estimate"]
    for argv in argvs:
        _parser().parse_args(argv)
    assert main(argvs[0]) == 0
    written = [a for a in argvs[0] if a.endswith(".yaml")]
    assert load_site(tmp_path / written[0]).name == "Mauriti"
