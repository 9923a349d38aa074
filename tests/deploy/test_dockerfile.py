"""The Dockerfile, checked without a container engine: hadolint and the properties the image must have."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
DOCKERFILE = (BASE_DIR / "Dockerfile").read_text()
HADOLINT = Path(sys.executable).with_name("hadolint")


def _stages() -> list[str]:
    return re.split(r"^FROM ", DOCKERFILE, flags=re.M)[1:]


def test_hadolint_is_clean() -> None:
    result = subprocess.run(
        [str(HADOLINT), "--no-color", "--failure-threshold", "info", "Dockerfile"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_multi_stage_on_python_312_slim() -> None:
    stages = _stages()
    assert len(stages) == 2
    assert all(stage.startswith("python:3.12-slim") for stage in stages)


def test_build_stage_installs_pinned_requirements_without_cache_and_collects_static() -> None:
    build = _stages()[0]
    assert "pip install --no-cache-dir -r requirements.txt" in build
    assert "manage.py collectstatic --no-input" in build and "DEBUG=false" in build
    pins = [
        line
        for line in (BASE_DIR / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert pins and all("==" in line for line in pins)


def test_final_stage_is_lean_non_root_gunicorn() -> None:
    final = _stages()[1]
    assert "COPY --from=build /opt/venv /opt/venv" in final
    # Nothing is built in the final stage: no package installs, compilers or pip runs.
    assert not re.search(r"apt-get|apk |gcc|build-essential|pip install", final)
    user = re.search(r"^USER (\S+)", final, re.M).group(1)
    assert user.split(":")[0] not in {"root", "0"}
    assert re.search(r'^CMD \["gunicorn", "-c", "gunicorn.conf.py"\]$', final, re.M)
    assert "FLUXOPS_VAR_DIR=/tmp/" in final  # the app directory stays read-only for the app user


def test_dockerignore_keeps_local_state_and_secrets_out() -> None:
    ignored = (BASE_DIR / ".dockerignore").read_text().splitlines()
    for entry in (".git", ".venv", ".env", "var/", "staticfiles/", "**/__pycache__"):
        assert entry in ignored
