"""One sign for one loss: the terminal, the JSON, the report table and the batch netCDF agree."""

from __future__ import annotations

import json

import pytest
import yaml

from pvyield.batch import read_dataset, run_batch, write_dataset
from pvyield.cli import main
from pvyield.report.document import Table, build_report
from pvyield.report.labels import stage_label

from .conftest import SITES


def _report_pct(text: str) -> float:
    """A signed percent as the report prints it (true minus, ``+`` on gains)."""
    return float(text.replace("\N{MINUS SIGN}", "-").removesuffix(" %"))


def test_every_output_gives_the_same_signed_loss(tmp_path, capsys, mauriti_result):
    # on the tracker, transposition raises the energy (a gain) and IAM lowers it (a loss)
    out = tmp_path / "mauriti.json"
    assert main(["estimate", str(SITES / "mauriti.yaml"), "--no-reconcile",
                 "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    document = json.loads(out.read_text())
    sections = {s.title: s for s in build_report(mauriti_result, "mauriti").sections}
    table = next(b for b in sections["Losses"].blocks if isinstance(b, Table))
    scenario = tmp_path / "one.yaml"
    scenario.write_text(yaml.safe_dump({"name": "one", "sites": [str(SITES / "mauriti.yaml")],
                                        "matrix": {}}), encoding="utf-8")
    write_dataset(run_batch(scenario, engine="reference"), tmp_path / "one.nc")
    ds = read_dataset(tmp_path / "one.nc")
    for stage, expected_sign in (("transposition", -1.0), ("iam", 1.0)):
        terminal = next(line for line in lines if line.strip().startswith(stage + " "))
        printed = float(terminal.split()[1])
        from_json = document["sites"][0]["losses_pct"][stage]
        in_report = _report_pct(next(r[1] for r in table.rows if r[0] == stage_label(stage)))
        in_netcdf = float(ds["loss_pct"].sel(stage=stage).squeeze())
        reference = mauriti_result.losses.loc[stage, "loss_pct"]
        assert reference * expected_sign > 0  # loss positive, gain negative
        assert printed == pytest.approx(reference, abs=0.005)
        assert from_json == pytest.approx(reference, abs=1e-9)
        assert in_report == pytest.approx(reference, abs=0.005)
        assert in_netcdf == pytest.approx(reference, abs=1e-6)
