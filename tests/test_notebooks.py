"""The notebooks run top to bottom in a real Jupyter kernel, offline, and show their figures."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
#: Figures each notebook must display (image/png outputs), so a silently empty cell fails.
MIN_FIGURES = {"01-quickstart": 7, "02-mauriti-deep-dive": 3, "03-ceme1-east-west": 6,
               "04-batch-comparison": 3, "equipment_comparison": 2}
KERNEL = "pvyield-tests"


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory, monkeypatch_module):
    """A kernel spec that runs this interpreter, whatever else is installed on the machine."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "pvyield tests", "language": "python",
    }), encoding="utf-8")
    monkeypatch_module.setenv("JUPYTER_PATH", str(root))
    return root


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_the_notebooks_are_there():
    assert [p.stem for p in PATHS] == sorted(MIN_FIGURES)


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


#: Internals a notebook must not reach into: the site file reader and the scenario's
#: override helper are reached through ``pvyield.load_site`` and ``pvyield.variant``.
INTERNALS = ("pvyield.site.load", "pvyield.site.overrides", "pvyield.batch.scenario",
             "apply_overrides", "read_mapping", "site_from_mapping", "site_variant")


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_uses_the_public_api(path):
    code = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells
                     if cell.cell_type == "code")
    assert [name for name in INTERNALS if name in code] == []
    # no private name (a leading underscore) of a pvyield module
    assert re.findall(r"pvyield(?:\.\w+)*\._\w+|from pvyield[\w.]* import .*\b_\w+", code) == []


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs_in_a_kernel(path, kernel_dir):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name=KERNEL, allow_errors=False,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(figures) >= MIN_FIGURES[path.stem]
