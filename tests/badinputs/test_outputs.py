"""What the bad-input fixes write: strict JSON, neutralised CSV cells, escaped Markdown,
umask-honouring files, verified resume chunks, skipped sensitivities, loopback dashboard."""

from __future__ import annotations

import csv
import json
import math
import os
import re
from pathlib import Path

import pytest
import xarray as xr

from pvyield.batch import load_scenario
from pvyield.batch.dataset import csv_safe
from pvyield.batch.runner import ChunkCache, chunk_key, run_specs
from pvyield.cli import main
from pvyield.files import write_atomic
from pvyield.results.export import finite_json
from tests.badinputs.inputs import scenario_yaml, site_yaml


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_json_output_is_strict_and_says_null_for_missing_households(tmp_path, capsys):
    path = _write(tmp_path / "us.yaml", site_yaml(country="US"))
    out = tmp_path / "r.json"
    assert main(["estimate", str(path), "--out", str(out), "--no-reconcile"]) == 0
    text = capsys.readouterr().out
    assert "nan" not in text.lower()
    assert "no household consumption figure for US" in text
    raw = out.read_text(encoding="utf-8")
    # json.loads with a parse_constant hook fails on NaN/Infinity: they must not be there
    document = json.loads(raw, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
    assert document["sites"][0]["households_served"] is None


def test_finite_json_maps_every_non_finite_number_to_null():
    import numpy as np

    data = {"a": math.nan, "b": [1.0, math.inf, -math.inf], "c": np.float64("nan"),
            "d": {"e": 2.5}}
    assert finite_json(data) == {"a": None, "b": [1.0, None, None], "c": None,
                                 "d": {"e": 2.5}}


def test_monofacial_fixed_site_without_gcr_reconciles_and_names_the_skipped_variant(
        tmp_path, capsys):
    path = _write(tmp_path / "s.yaml", site_yaml())
    out = tmp_path / "r.json"
    assert main(["estimate", str(path), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "skipped: plant.bifaciality" in text
    rec = json.loads(out.read_text(encoding="utf-8"))["sites"][0]["reconciliation"]
    assert any(s.startswith("plant.bifaciality") for s in rec["skipped"])
    assert "plant.albedo" in [s["parameter"] for s in rec["sensitivities"]]


MALICIOUS = ("<script>alert(1)</script> <img src=x onerror=alert(1)> "
             "<iframe src=https://example.org></iframe> [click](javascript:alert(1)) "
             "&#106;avascript")


def test_report_escapes_site_file_text(tmp_path, capsys):
    # '$' would start mathtext in the figures' titles and legends
    text = site_yaml(name="Evil <script>x</script> $x^{ \\frac", region=MALICIOUS,
                     reported__0__note=MALICIOUS, reported__0__source=MALICIOUS)
    path = _write(tmp_path / "s.yaml", text)
    out = tmp_path / "report"
    assert main(["report", str(path), "--out", str(out)]) == 0
    markdown = (out / "s.md").read_text(encoding="utf-8")
    html_page = (out / "s.html").read_text(encoding="utf-8")
    for page in (markdown, html_page):
        for tag in ("<script", "<img src=x", "<iframe"):
            assert tag not in page
    assert re.search(r"(?<!\\)\]\(javascript:", markdown) is None  # no link formed
    assert "&#106;" not in markdown
    assert "&lt;script" in markdown  # shown as text, not dropped


def test_files_honour_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        written = write_atomic(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert written.stat().st_mode & 0o777 == 0o640
    old = os.umask(0o002)
    try:
        assert main(["schema", "--out", str(tmp_path / "s.json")]) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "s.json").stat().st_mode & 0o777 == 0o664
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "s.json"]


def test_out_through_a_symlink_replaces_the_target_and_keeps_the_link(tmp_path):
    target = _write(tmp_path / "target.json", "old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert main(["schema", "--out", str(link)]) == 0
    assert link.is_symlink()
    assert json.loads(target.read_text(encoding="utf-8"))["title"] == "Site"


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    import pandas as pd

    frame = pd.DataFrame({"site": ['=HYPERLINK("http://x")', "+1+1", "@SUM(A1)", "\tx",
                                   "-0.35", "plain"], "value": [1.0, -2.0, 3, 4, 5, 6]})
    safe = csv_safe(frame)
    assert list(safe["site"]) == ["'=HYPERLINK(\"http://x\")", "'+1+1", "'@SUM(A1)", "'\tx",
                                  "-0.35", "plain"]
    assert list(safe["value"]) == [1.0, -2.0, 3, 4, 5, 6]


def _study(tmp_path: Path, name: str = "A") -> Path:
    _write(tmp_path / "a.yaml", site_yaml(name=name))
    return _write(tmp_path / "study.yaml", scenario_yaml(["a.yaml"],
                                                         {"plant.albedo": [0.2, 0.3]}))


def test_batch_summary_csv_neutralises_a_formula_site_name(tmp_path, capsys):
    study = _study(tmp_path, name='=HYPERLINK("http://evil.example","x")')
    out = tmp_path / "r.nc"
    assert main(["batch", str(study), "--out", str(out), "--engine", "reference"]) == 0
    with open(tmp_path / "r.summary.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(r["site"].startswith("'=HYPERLINK") for r in rows)
    assert not (tmp_path / "r.nc.parts").exists()


def test_resume_recomputes_truncated_and_forged_chunks(tmp_path, capsys):
    study_path = _study(tmp_path)
    out = tmp_path / "r.nc"
    assert main(["batch", str(study_path), "--out", str(out), "--engine", "reference"]) == 0
    honest = xr.open_dataset(out).load()["annual_energy_gwh"].values
    study = load_scenario(study_path)
    (chunk,) = run_specs(study)
    key = chunk_key(chunk, {}, "reference")
    parts = tmp_path / "r.nc.parts"
    cache = ChunkCache(parts)
    # a finished chunk, then its file cut short (a crash while copying, a full disk)
    records = [{"site": s.site, "scenario": s.scenario, "status": "ok", "error": "",
                "annual_energy_gwh": 1.0e6} for s in chunk]
    cache.put(key, records)
    path = parts / f"{key}.json"
    path.write_bytes(path.read_bytes()[:25])
    assert cache.get(key, chunk) is None
    assert main(["batch", str(study_path), "--out", str(out), "--engine", "reference",
                 "--resume"]) == 0
    assert (xr.open_dataset(out).load()["annual_energy_gwh"].values == honest).all()
    # a chunk edited after it was written (its digest no longer matches)
    cache.put(key, records)
    forged = json.loads(path.read_text(encoding="utf-8"))
    forged[0]["annual_energy_gwh"] = 2.0e6
    path.write_text(json.dumps(forged), encoding="utf-8")
    assert cache.get(key, chunk) is None
    # a chunk whose records belong to other runs
    cache.put(key, [{**r, "site": "other"} for r in records])
    assert cache.get(key, chunk) is None
    assert main(["batch", str(study_path), "--out", str(out), "--engine", "reference",
                 "--resume"]) == 0
    assert (xr.open_dataset(out).load()["annual_energy_gwh"].values == honest).all()
    # an intact chunk is reused as it was stored, NaN included
    cache.put(key, [{**r, "households_served": math.nan} for r in records])
    reused = cache.get(key, chunk)
    assert reused is not None and math.isnan(reused[0]["households_served"])
    assert reused[0]["annual_energy_gwh"] == 1.0e6


def test_local_cluster_dashboard_listens_on_loopback(monkeypatch):
    import dask.distributed as distributed

    from pvyield import batch

    seen = {}

    class FakeCluster:
        def __init__(self, **kwargs):
            seen.update(kwargs)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    class FakeClient(FakeCluster):
        def __init__(self, cluster):
            pass

    monkeypatch.setattr(distributed, "LocalCluster", FakeCluster)
    monkeypatch.setattr(distributed, "Client", FakeClient)
    with batch._client(None, 2, None, False):
        pass
    assert seen["dashboard_address"].startswith("127.0.0.1:")
    assert seen["host"] == "127.0.0.1"


def test_workers_above_the_cap_are_capped_and_said(monkeypatch, capsys):
    from pvyield import cli

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert cli._worker_count(1000) == 8
    assert "capped at 8" in capsys.readouterr().err
    assert cli._worker_count(3) == 3


def test_ctrl_c_in_estimate_exits_130_in_one_line(tmp_path, capsys, monkeypatch):
    from pvyield import cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_estimates", interrupted)
    path = _write(tmp_path / "s.yaml", site_yaml())
    assert main(["estimate", str(path), "--out", str(tmp_path / "r.json")]) == 130
    err = capsys.readouterr().err
    assert err.strip() == "pvyield: interrupted"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


def test_an_unexpected_exception_is_one_line_with_exit_70(tmp_path, capsys, monkeypatch):
    from pvyield import cli

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.delenv("PVYIELD_DEBUG", raising=False)
    monkeypatch.setattr(cli, "_estimates", broken)
    path = _write(tmp_path / "s.yaml", site_yaml())
    assert main(["estimate", str(path)]) == 70
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error: ZeroDivisionError" in err


def test_a_leap_day_in_a_typical_year_goes_to_28_february_or_is_dropped():
    import numpy as np
    import pandas as pd

    from pvyield.weather.frame import finish_frame

    def frame(stamps):
        index = pd.DatetimeIndex(stamps).tz_localize("Etc/GMT+4")
        values = np.arange(len(index), dtype=float)
        return pd.DataFrame({c: values for c in ("ghi", "dni", "dhi", "temp_air",
                                                 "wind_speed")}, index=index)

    # February from 2010, March from 2016, stamps at the end of each hour: the first March
    # stamp is the last hour of February, which centring moves to 29 February 2016
    feb = pd.date_range("2010-02-28 20:00", "2010-02-28 23:00", freq="h")
    mar = pd.date_range("2016-03-01 00:00", "2016-03-01 02:00", freq="h")
    out, typical = finish_frame(frame([*feb, *mar]), "end", "w.csv")
    assert typical
    assert list(out.index.strftime("%m-%d %H:%M")) == [
        "02-28 19:30", "02-28 20:30", "02-28 21:30", "02-28 22:30", "02-28 23:30",
        "03-01 00:30", "03-01 01:30"]
    assert (out.index.year == 2019).all()
    # a whole 29 February beside 28 February (a leap February): the leap day is dropped
    leap = pd.date_range("2012-02-28 00:30", "2012-02-29 23:30", freq="h")
    jan = pd.date_range("2013-01-01 00:30", "2013-01-01 01:30", freq="h")
    out, _ = finish_frame(frame([*jan, *leap]), "center", "w.csv")
    assert len(out) == 2 + 24
    assert (out.index[2:].day == 28).all()
    assert list(out["ghi"].iloc[2:]) == list(range(2, 26))  # 28 February's own values


def test_ctrl_c_that_a_parser_turned_into_its_own_error_still_stops_the_batch(
        tmp_path, capsys, monkeypatch):
    # pandas' C reader, interrupted in read(), raises "Calling read(nbytes) on source
    # failed": the run must not be recorded as a bad file and the batch must stop
    import pvyield.batch.runner
    from pvyield import interrupt
    from pvyield.errors import WeatherError

    calls = []

    def interrupted_read(site):
        calls.append(site.name)
        interrupt._INTERRUPTED.set()  # what the SIGINT handler records
        raise WeatherError("w.csv: cannot parse SAM CSV data (Error tokenizing data. C "
                           "error: Calling read(nbytes) on source failed)")

    def interrupted_reads(sites):
        out = []
        for site in sites:
            try:
                out.append(interrupted_read(site))
            except WeatherError as exc:
                out.append(exc)
        return out

    # a batch gets its weather through weather_for_sites
    monkeypatch.setattr(pvyield.batch.runner, "weather_for_sites", interrupted_reads)
    for name in ("a", "b"):
        _write(tmp_path / f"{name}.yaml", site_yaml(name=name.upper()))
    study = _write(tmp_path / "study.yaml", scenario_yaml(["a.yaml", "b.yaml"], chunk_size=1))
    code = main(["batch", str(study), "--out", str(tmp_path / "r.nc"), "--engine",
                 "reference"])
    err = capsys.readouterr().err
    assert code == 130
    assert err.strip().splitlines()[-1] == "pvyield: interrupted; resume with --resume"
    assert calls == ["A"]
    assert not (tmp_path / "r.nc").exists()
    # the recorded Ctrl-C ends with the command: later library calls in this process run
    assert not interrupt.interrupted()
