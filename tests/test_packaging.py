"""How pvyield installs and starts: a light import, optional Dask, private pvlib uses in one
module, bundled tables inside the package."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pvyield
from pvyield.cli import main
from pvyield.weather import climatology

from .conftest import SITES

PACKAGE = Path(pvyield.__file__).resolve().parent
#: Loaded only by what needs them (the batch engine, Dask runs, reports, netCDF).
HEAVY = ("numba", "dask", "distributed", "matplotlib", "bokeh", "xarray")


def _python(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    # a fresh interpreter, away from the checkout's working directory
    return subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)


def test_import_pvyield_loads_none_of_the_heavy_modules(tmp_path):
    out = _python(
        "import sys, pvyield\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
        "print(callable(pvyield.estimate), callable(pvyield.load_site),"
        " pvyield.Result.__name__)\n", tmp_path)
    assert out.returncode == 0, out.stderr
    loaded, api = out.stdout.splitlines()
    assert loaded == ""
    assert api == "True True Result"


def test_import_survives_a_pvlib_without_its_private_perez_table(tmp_path):
    """Private pvlib names are looked up when used, never at import."""
    out = _python(
        "import pvlib.irradiance\n"
        "del pvlib.irradiance._get_perez_coefficients\n"
        "import pvyield, pvyield.model, pvyield.model.engine\n"
        "print('imported')\n", tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "imported"


def test_private_pvlib_names_only_in_the_compat_module():
    """pvlib's underscore names, its SPA building blocks and the bifacial view-factor
    integrals appear in pvyield/model/_pvlib_compat.py only (nasa_power.py reads the
    variable map of that file format itself)."""
    private = re.compile(r"pvlib\.[\w.]*\._\w+|\bspa\.\w+\(|bifacial(?:\.|_)utils|"
                         r"from pvlib import spa|_get_perez_coefficients")
    allowed = {PACKAGE / "model" / "_pvlib_compat.py"}
    found = [f"{path.relative_to(PACKAGE)}:{n}"
             for path in sorted(PACKAGE.rglob("*.py")) if path not in allowed
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if private.search(line.split("#")[0]) and not line.lstrip().startswith(
                 (":func:", ":mod:", "(:func:"))]
    assert found == []


def test_batch_workers_without_dask_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    # a None entry in sys.modules is how Python marks a module as not importable
    monkeypatch.setitem(sys.modules, "distributed", None)
    code = main(["batch", str(SITES / "example-batch.yaml"), "--out",
                 str(tmp_path / "out.nc"), "--workers", "2"])
    err = capsys.readouterr().err
    assert code == 2
    assert "pip install 'pvyield[dask]'" in err and "--workers" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out.nc").exists()


def test_bundled_tables_are_package_data():
    for path in (climatology.LABREN_PATH, climatology.MERRA2_EXTRACT_PATH):
        assert path.is_file()
        assert PACKAGE in path.resolve().parents
    sums = (PACKAGE / "data" / "SHA256SUMS").read_text().split()
    assert climatology.LABREN_PATH.name in sums and climatology.MERRA2_EXTRACT_PATH.name in sums


def test_every_core_dependency_is_used():
    """No declared dependency that nothing uses: each is imported by the package (or
    loaded lazily by it), or is the engine xarray is told to write with."""
    import tomllib

    from .conftest import ROOT

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = [re.match(r"[A-Za-z0-9_.-]+", d).group(0).lower() for d in deps]
    module = {"pyyaml": "yaml", "gsee-climate-data": "gsee_climate_data",
              "requests-cache": "requests_cache"}
    source = "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py"))
    unused = [n for n in names
              if not re.search(rf"^\s*(?:import|from) {re.escape(module.get(n, n))}\b",
                               source, re.MULTILINE)
              and f'lazy_module("{n}.' not in source
              and f'engine="{n.lower()}"' not in source]
    assert unused == []
    assert not {"dask", "distributed", "bokeh", "h5py", "h5netcdf"} & set(names)


def test_example_site_is_package_data_equal_to_the_repository_copy(tmp_path, capsys):
    """`pvyield example` prints the bundled copy of sites/mauriti.yaml (its first line, the
    editor schema path into the checkout, left out); --out writes it, and it loads as the
    repository's site does."""
    from pvyield.cli import EXAMPLE_SITE
    from pvyield.data import bundled
    from pvyield.site import load_site

    path = bundled(EXAMPLE_SITE)
    assert PACKAGE in path.resolve().parents
    repository = (SITES / "mauriti.yaml").read_text(encoding="utf-8")
    assert repository.startswith("# yaml-language-server: $schema=")
    assert path.read_text(encoding="utf-8") == repository.split("\n", 1)[1], (
        "pvyield/data/mauriti.yaml must be sites/mauriti.yaml without its first line")
    assert main(["example"]) == 0
    assert capsys.readouterr().out == path.read_text(encoding="utf-8")
    out = tmp_path / "mine.yaml"
    assert main(["example", "--out", str(out)]) == 0
    assert load_site(out).model_dump() == load_site(SITES / "mauriti.yaml").model_dump()


def test_package_data_globs_cover_every_data_file():
    """Every file of the package that is not Python is matched by a package-data glob of
    pyproject.toml, so the wheel holds what the checkout reads (the wheel itself is built,
    installed and run by .ci/run)."""
    import fnmatch
    import tomllib

    from .conftest import ROOT

    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages, globs = set(tool["packages"]), tool["package-data"]
    missing = []
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        package = ".".join(path.parent.relative_to(PACKAGE.parent).parts)
        assert package in packages, f"{package} holds {path.name} but is not in packages"
        if not any(fnmatch.fnmatch(path.name, g) for g in globs.get(package, ())):
            missing.append(str(path.relative_to(PACKAGE)))
    assert missing == []


def test_terminal_text_loads_no_matplotlib_and_report_names_still_resolve(tmp_path):
    """The CLI's text renderer lives in pvyield.report without drawing: the figure and
    document names of pvyield.report, and its submodules, load on first use."""
    out = _python(
        "import sys, pvyield.cli, pvyield.report.text\n"
        "print('matplotlib' in sys.modules)\n"
        "from pvyield import report\n"
        "print(report.loss_diagram.__module__, report.document.__name__,"
        " report.write_report.__module__)\n"
        "print('matplotlib' in sys.modules, 'loss_diagram' in dir(report))\n", tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "False", "pvyield.report.figures pvyield.report.document pvyield.report.write",
        "True True"]
