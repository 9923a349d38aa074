"""Run the Dockerfile's build steps without a container engine, into a temporary directory, and smoke-test the result.

Mirrors the image: the build context filtered by .dockerignore, a virtualenv with the pinned
requirements, collectstatic as in the build stage, then - with the final stage's ENV from the
Dockerfile - `manage.py check --deploy` with the service spec's settings and gunicorn serving
/healthz and a compressed, hashed static file until SIGTERM.

    python scripts/build_without_docker.py [--python python3.12] [--keep]

What it cannot show: the base image itself, file ownership, and the absence of compilers in the
final stage (the Dockerfile tests check that no stage after the build stage installs anything).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from secrets import token_urlsafe

import yaml

ROOT = Path(__file__).resolve().parent.parent


def ignore_patterns() -> list[tuple[bool, str]]:
    """(negated, pattern) pairs from .dockerignore, in order (the last match wins, as in Docker)."""
    patterns = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        patterns.append((negated, line.lstrip("!").rstrip("/")))
    return patterns


def ignored(relative: str, patterns: list[tuple[bool, str]]) -> bool:
    """Whether Docker would leave `relative` (a posix path) out of the build context."""
    result = False
    for negated, pattern in patterns:
        candidates = {pattern}
        if pattern.startswith("**/"):
            candidates.add(pattern[3:])
        parts = relative.split("/")
        # A pattern matching a parent directory excludes everything below it.
        prefixes = ["/".join(parts[: index + 1]) for index in range(len(parts))]
        if any(fnmatch.fnmatchcase(prefix, candidate) for prefix in prefixes for candidate in candidates) or (
            pattern.startswith("**/") and any(fnmatch.fnmatchcase(part, pattern[3:]) for part in parts)
        ):
            result = not negated
    return result


def copy_context(target: Path) -> int:
    """Copy the build context to `target`; returns the number of files."""
    patterns = ignore_patterns()
    count = 0
    for directory, subdirs, files in os.walk(ROOT):
        relative_dir = Path(directory).relative_to(ROOT).as_posix()
        prefix = "" if relative_dir == "." else relative_dir + "/"
        subdirs[:] = [name for name in subdirs if not ignored(prefix + name, patterns)]
        for name in files:
            if ignored(prefix + name, patterns):
                continue
            destination = target / (prefix + name)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(directory) / name, destination)
            count += 1
    return count


def final_stage_env() -> dict[str, str]:
    """ENV of the Dockerfile's last stage (KEY=VALUE pairs, continuation lines joined)."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    last_stage = text.split("\nFROM ")[-1]
    env: dict[str, str] = {}
    for line in last_stage.splitlines():
        if line.startswith("ENV "):
            for pair in line[4:].split():
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def run(command: list[str], **kwargs: object) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True, **kwargs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as response:
        response.read()
        return response.status, dict(response.headers)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=shutil.which("python3.12") or sys.executable)
    parser.add_argument("--keep", action="store_true", help="keep the build directory")
    args = parser.parse_args()

    build = Path(tempfile.mkdtemp(prefix="fluxops-image-"))
    app, venv = build / "app", build / "opt" / "venv"
    try:
        print(f"== build context -> {app}: {copy_context(app)} files")
        for unwanted in (".env", ".venv", "var", "staticfiles", ".git", "tests"):
            if (app / unwanted).exists():
                raise SystemExit(f"{unwanted} is in the build context")

        print("== virtualenv with the pinned requirements")
        run([args.python, "-m", "venv", str(venv)])
        run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", "-r", "requirements.txt"],
            cwd=app)  # fmt: skip
        python = str(venv / "bin" / "python")

        print("== collectstatic as in the build stage")
        build_env = {"PATH": os.environ["PATH"], "DEBUG": "false", "SECRET_KEY": "collectstatic-only",
                     "FLUXOPS_VAR_DIR": str(build / "build-var")}  # fmt: skip
        run([python, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=app, env=build_env)
        manifest = app / "staticfiles" / "staticfiles.json"
        if not manifest.exists() or not list((app / "staticfiles").rglob("*.gz")):
            raise SystemExit("collectstatic did not produce the hashed, compressed files")

        # The image's ENV, with its /opt/venv standing in for the one built here.
        env = {**final_stage_env(), "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "HOME": str(build)}
        env["FLUXOPS_VAR_DIR"] = str(build / "tmp-fluxops")  # the image's /tmp/fluxops
        spec = yaml.safe_load((app / "service_spec.yaml").read_text())
        spec_env = {key: str(value) for key, value in spec["spec"]["containers"][0]["env"].items()}
        secrets = {"SECRET_KEY": token_urlsafe(50), "DATABASE_USER": "fluxops",
                   "DATABASE_PASSWORD": "unused", "METRICS_TOKEN": "unused"}  # fmt: skip

        print("== manage.py check --deploy with the service spec's settings")
        run([python, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=app,
            env={**env, **spec_env, **secrets})  # fmt: skip

        print("== gunicorn with the image's CMD (SQLite, no SPCS mode: no database needed for the smoke test)")
        port = free_port()
        serve_env = {**env, "BIND": f"127.0.0.1:{port}", "SECRET_KEY": secrets["SECRET_KEY"], "WEB_CONCURRENCY": "1"}
        process = subprocess.Popen(["gunicorn", "-c", "gunicorn.conf.py"], cwd=app, env=serve_env)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    status, _ = get(f"http://127.0.0.1:{port}/healthz")
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit("gunicorn did not start") from None
                    time.sleep(0.3)
            assert status == 200, status
            asset = next(name for name in json.loads(manifest.read_text())["paths"].values() if name.endswith(".js"))
            status, headers = get(f"http://127.0.0.1:{port}/static/{asset}", {"Accept-Encoding": "gzip"})
            assert status == 200 and headers.get("Content-Encoding") == "gzip", headers
            assert "max-age=315360000" in headers.get("Cache-Control", ""), headers
            print(f"== /healthz 200, /static/{asset} gzip with a far-future cache")
            process.send_signal(signal.SIGTERM)
            if process.wait(timeout=30) != 0:
                raise SystemExit("gunicorn did not stop cleanly on SIGTERM")
        finally:
            if process.poll() is None:
                process.kill()
        print("== image build steps OK")
        return 0
    finally:
        if args.keep:
            print(f"kept {build}")
        else:
            shutil.rmtree(build, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
