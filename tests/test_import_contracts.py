"""The import-linter contracts hold on the tree, and break when a forbidden import is added."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is a dev requirement")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project's packages and contracts, to break on purpose."""
    root = tmp_path_factory.mktemp("tree")
    for package in ("fluxops", "grid", "analytics"):
        shutil.copytree(ROOT / package, root / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_tree_keeps_every_contract() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("grid/engine/topology.py", "import django.db", "the engine is pure"),
        ("grid/engine/prediction.py", "from grid.models import Outage", "the engine is pure"),
        ("grid/selectors/crews.py", "from grid.services.outages import outage_bump", "grid layers"),
        ("grid/models/network.py", "from grid.selectors import network", "grid layers"),
        ("grid/views/map.py", "from analytics import map_loading", "grid never imports analytics"),
        ("fluxops/roles.py", "from grid.models import Outage", "the project package imports the apps only"),
        ("analytics/views.py", "from fluxops import urls", "apps use the project package only"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(tree: Path, module: str, line: str, contract: str) -> None:
    path = tree / module
    original = path.read_text()
    try:
        path.write_text(original + f"\n{line}  # noqa\n")
        result = _lint(tree)
    finally:
        path.write_text(original)
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in " ".join(broken.split()), result.stdout
