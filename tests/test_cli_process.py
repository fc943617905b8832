"""The installed ``pvyield`` command in a process of its own: it ends without the
interpreter's teardown (``pvyield.cli.console``) and still gives the exit code, complete
files and clean pipes that ``main`` gives in process."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import xarray as xr

from pvyield.batch import read_dataset
from pvyield.cli import main

from .conftest import ROOT

#: The command as the installed script runs it (``[project.scripts]`` of pyproject.toml).
CONSOLE = [sys.executable, "-c",
           "import sys; sys.argv[0] = 'pvyield'; from pvyield.cli import console; console()"]


def _console(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*CONSOLE, *args], capture_output=True, text=True, timeout=300,
                          **kwargs)


def test_the_installed_command_is_the_console_entry():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"]["scripts"]
    assert scripts == {"pvyield": "pvyield.cli:console"}


def _seats_study(folder: Path) -> Path:
    """Three seats of the Brazil screening (its template and two designs), the last one
    given an impossible latitude: a batch that finishes with an invalid site."""
    screening = ROOT / "benchmarks" / "brazil-screening"
    lines = (screening / "municipalities.csv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1::2000][:3]  # Acre, Minas Gerais, Rio Grande do Sul
    name, region, _, longitude, zone = rows[2].rsplit(",", 4)
    rows[2] = ",".join([name, region, "95.0", longitude, zone])
    (folder / "municipalities.csv").write_text("\n".join([header, *rows]) + "\n",
                                               encoding="utf-8")
    (folder / "template.yaml").write_text(
        (screening / "template.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    study = folder / "screening.yaml"
    study.write_text((screening / "screening.yaml").read_text(encoding="utf-8"),
                     encoding="utf-8")
    return study


def test_batch_in_its_own_process_writes_what_main_writes(tmp_path, capsys):
    study = _seats_study(tmp_path)
    # an exit handler registered before the command runs, as a library would: it still
    # runs, and says which optional modules the batch loaded
    done = subprocess.run([sys.executable, "-c", (
        "import atexit, sys\n"
        "atexit.register(lambda: print('loaded:', *sorted(m for m in ('distributed', "
        "'timezonefinder') if m in sys.modules), file=sys.stderr))\n"
        "sys.argv[0] = 'pvyield'\n"
        "from pvyield.cli import console\n"
        "console()\n"), "batch", str(study), "--out", str(tmp_path / "p.nc")],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 3, done.stderr  # a finished batch with an invalid site
    err = done.stderr.splitlines()
    invalid = [line for line in err if line.startswith("INVALID: ")]
    assert len(invalid) == 2 and all("Santa Clara do Sul, RS / mounting=" in line
                                     for line in invalid)  # the seat, in both designs
    assert "Traceback" not in done.stderr
    # the seats state their time zone and the results are numpy arrays: neither the time
    # zone finder nor Dask's distributed is needed
    assert err[-1] == "loaded:"
    assert "wrote " in done.stdout.splitlines()[-1]

    frozen = gc.get_freeze_count()
    assert main(["batch", str(study), "--out", str(tmp_path / "m.nc")]) == 3
    capsys.readouterr()
    assert gc.get_freeze_count() == frozen  # main() leaves a caller's collector alone
    process, here = read_dataset(tmp_path / "p.nc"), read_dataset(tmp_path / "m.nc")
    assert (process.sizes["site"], process.sizes["scenario"]) == (3, 2)
    xr.testing.assert_identical(process.drop_attrs(), here.drop_attrs())
    assert {k: v for k, v in process.attrs.items() if k != "history"} == {
        k: v for k, v in here.attrs.items() if k != "history"}
    assert (tmp_path / "p.summary.csv").read_bytes() == (tmp_path / "m.summary.csv").read_bytes()
    # nothing left beside the results: the temporary files were renamed or removed
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "m.nc", "m.summary.csv", "municipalities.csv", "p.nc", "p.summary.csv",
        "screening.yaml", "template.yaml"]


def test_user_mistake_exits_2_with_one_line(tmp_path):
    done = _console(["batch", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "r.nc")])
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("pvyield: error: ") and "missing.yaml" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_output_through_head(tmp_path):
    shell = subprocess.run(
        ["bash", "-c", 'set -o pipefail; "$@" schema | head -n 2', "pvyield", *CONSOLE],
        capture_output=True, text=True, timeout=300)
    # 0 when the schema fitted in the pipe's buffer before head left, 1 for a broken pipe
    assert shell.returncode in (0, 1)
    assert shell.stdout.splitlines() == ["{", '  "$defs": {']
    assert shell.stderr == ""


def test_reader_gone_before_the_first_line_exits_1_quietly():
    read, write = os.pipe()
    os.close(read)  # the reader has left before anything is written: every write fails
    try:
        done = subprocess.run([*CONSOLE, "schema"], stdout=write, stderr=subprocess.PIPE,
                              text=True, timeout=300)
    finally:
        os.close(write)
    assert done.returncode == 1
    assert done.stderr == ""


def test_exit_handlers_and_buffered_output_are_kept(tmp_path):
    marker = tmp_path / "handler.txt"
    done = subprocess.run([sys.executable, "-c", (
        "import atexit, sys\n"
        "from pvyield import cli\n"
        f"atexit.register(lambda: open({str(marker)!r}, 'w').write('ran'))\n"
        "atexit.register(print, 'printed at exit')\n"
        "sys.stdout.write('still buffered')\n"
        "cli._end_process(3)\n"
        "print('not reached')\n")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 3, done.stderr
    assert done.stdout == "still bufferedprinted at exit\n"
    assert marker.read_text() == "ran"


def test_a_running_thread_gets_the_interpreters_exit(tmp_path):
    marker = tmp_path / "thread.txt"
    done = subprocess.run([sys.executable, "-c", (
        "import threading, time\n"
        "from pvyield import cli\n"
        "def late():\n"
        "    time.sleep(0.5)\n"
        f"    open({str(marker)!r}, 'w').write('done')\n"
        "threading.Thread(target=late).start()\n"
        "cli._end_process(2)\n")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert marker.read_text() == "done"  # the interpreter waited for the thread


def test_main_in_process_returns_its_code(tmp_path, capsys):
    assert main(["schema", "--out", str(tmp_path / "schema.json")]) == 0
    assert main(["batch", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "r.nc")]) == 2
    assert "missing.yaml" in capsys.readouterr().err
    assert Path(tmp_path / "schema.json").read_text(encoding="utf-8").startswith("{")
