"""The few bad-input cases that need a real process: Ctrl-C on a running batch, standard
output full, closed or cut short by the reader (Ctrl-C in the other commands is tested
in-process in test_outputs.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.badinputs.inputs import scenario_yaml, site_yaml

COMMAND = [sys.executable, "-m", "pvyield.cli"]


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*COMMAND, *args], capture_output=True, text=True, timeout=120,
                          **kwargs)


def _interrupt_when(process: subprocess.Popen, ready, timeout_s: float = 90.0,
                    group: bool = False) -> None:
    """Send SIGINT once ``ready()`` holds (the work has started)."""
    deadline = time.monotonic() + timeout_s
    while not ready() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "finished before it could be interrupted"
    if group:
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT)


def test_ctrl_c_on_a_running_batch(tmp_path):
    for i in range(5):
        (tmp_path / f"s{i}.yaml").write_text(site_yaml(name=f"S{i}"), encoding="utf-8")
    study = tmp_path / "study.yaml"
    study.write_text(scenario_yaml([f"s{i}.yaml" for i in range(5)],
                                   {"plant.albedo": [0.2, 0.3]}, chunk_size=1),
                     encoding="utf-8")
    parts = tmp_path / "r.nc.parts"
    process = subprocess.Popen([*COMMAND, "batch", str(study), "--out", str(tmp_path / "r.nc"),
                                "--engine", "reference"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    # interrupted once the first chunk is stored: a later --resume has something to reuse;
    # sent to the process group, as a terminal's Ctrl-C is
    _interrupt_when(process, lambda: parts.is_dir() and any(parts.glob("*.sha256")),
                    group=True)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err + out
    assert err.strip().splitlines()[-1] == "pvyield: interrupted; resume with --resume"
    assert not (tmp_path / "r.nc").exists()
    assert not list(tmp_path.glob(".r.nc*"))  # no temporary result file
    resumed = _run(["batch", str(study), "--out", str(tmp_path / "r.nc"), "--engine",
                    "reference", "--resume"])
    assert resumed.returncode == 0, resumed.stderr
    assert (tmp_path / "r.nc").is_file() and not parts.exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_schema_into_a_full_device():
    with open("/dev/full", "w") as full:
        result = subprocess.run([*COMMAND, "schema"], stdout=full, stderr=subprocess.PIPE,
                                text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "pvyield: error: cannot write to standard output (No space left on device)"]


def test_schema_with_standard_output_closed():
    result = subprocess.run([*COMMAND, "schema"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, timeout=120,
                            preexec_fn=lambda: os.close(1))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "pvyield: cannot write to standard output (it is closed)"]


def test_schema_into_a_reader_that_stops_early():
    process = subprocess.Popen([*COMMAND, "schema"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stdout.read(10)  # like `| head -c 10`
    process.stdout.close()
    err = process.stderr.read().decode()
    process.wait(timeout=120)
    assert "Traceback" not in err and "Exception ignored" not in err
    assert process.returncode in (0, 1)  # 0 when everything fitted in the pipe's buffer


def test_broken_pipe_is_quiet_and_exits_1(monkeypatch, capsys):
    from pvyield.cli import main

    class Gone:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Gone())
    assert main(["schema"]) == 1
    assert capsys.readouterr().err == ""
