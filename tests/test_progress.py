"""Progress of long commands: lines on stderr when asked (or on a terminal), never on stdout."""

from __future__ import annotations

import yaml

from pvyield.cli import main

from .conftest import SITES

CEME1 = str(SITES / "ceme1.yaml")


def test_estimate_progress_goes_to_stderr_only(capsys):
    assert main(["estimate", CEME1, "--no-reconcile", "--quiet", "--no-progress"]) == 0
    quiet = capsys.readouterr()
    assert quiet.err == ""
    assert main(["estimate", CEME1, "--no-reconcile", "--quiet", "--progress"]) == 0
    shown = capsys.readouterr()
    assert shown.out == quiet.out  # the output is the same with or without progress
    lines = shown.err.splitlines()
    assert [line.split("]")[0] for line in lines] == ["pvyield: [weather 1/1",
                                                      "pvyield: [estimate 1/1"]
    assert all("CEME1" in line for line in lines)


def test_progress_is_off_when_stderr_is_not_a_terminal(capsys):
    # under pytest stderr is captured, not a terminal: the default shows nothing
    assert main(["estimate", CEME1, "--no-reconcile", "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_batch_announces_its_runs_before_starting(tmp_path, capsys):
    scenario = tmp_path / "study.yaml"
    scenario.write_text(yaml.safe_dump({"name": "two", "sites": [CEME1],
                                        "matrix": {"plant.bifaciality": [0.0, 0.7]}}))
    out = tmp_path / "results.nc"
    assert main(["batch", str(scenario), "--out", str(out), "--no-progress"]) == 0
    quiet = capsys.readouterr()
    assert "runs" not in quiet.err and "it/s" not in quiet.err and "run/s" not in quiet.err
    assert main(["batch", str(scenario), "--out", str(out), "--progress"]) == 0
    shown = capsys.readouterr()
    assert "batch two: 1 site(s) x 2 scenario(s) = 2 runs" in shown.err
    assert "2/2" in shown.err  # the bar's last state
    assert shown.out == quiet.out
