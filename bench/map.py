"""Operations map benchmark on the default network: payload sizes and encode times (pure), then a
temporary server on a freshly seeded SQLite database driven by headless Chromium: geometry from
cache, time to first draw, full-frame software render time, status refresh to recoloured frame.
Screenshots go to test-artifacts/bench/ (by feeder, and with a de-energized area)."""

from __future__ import annotations

import gzip
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import numpy as np

from bench.chromium import CHROMIUM, CHROMIUM_ARGS
from grid.engine.map_geometry import (
    MapFeeder,
    MapNode,
    MapRows,
    MapSegment,
    MapSubstation,
    MapTransformer,
    encode_geometry,
)
from grid.engine.map_spec import build_deck, deck_spec
from grid.engine.map_status import encode_status
from grid.engine.synthetic import Network, generate, topology_arrays
from grid.engine.topology import Topology

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "bench"
USER, PASSWORD = "bench-operator", "bench-password-1"


def _project(row_type: type[tuple], rows: list[tuple]) -> list:
    """Generated rows cut down to the fields `row_type` names (the map's subset of a table's columns)."""
    return [row_type._make(getattr(row, name) for name in row_type._fields) for row in rows]


def rows_from_network(net: Network) -> MapRows:
    """The generator's rows in the shape `grid.selectors.map.map_rows` returns."""
    return MapRows(
        substations=_project(MapSubstation, net.substations),
        feeders=_project(MapFeeder, net.feeders),
        nodes=_project(MapNode, net.nodes),
        segments=_project(MapSegment, net.segments),
        devices=list(net.devices),
        transformers=_project(MapTransformer, net.transformers),
    )


def _kb(n: int) -> str:
    return f"{n / 1000:,.1f} KB"


def payloads(net: Network) -> dict[str, str]:
    """Sizes and encode times of spec, geometry and status for `net`."""
    rows = rows_from_network(net)
    started = time.perf_counter()
    geometry = encode_geometry(rows, structure=1)
    encode_s = time.perf_counter() - started
    topology = Topology(topology_arrays(net))
    arrays = topology.arrays
    device_open = arrays.device_normally_open.copy()
    live = topology.energize(device_open)
    node_index = np.searchsorted(arrays.node_ids, geometry.transformer_node_ids)
    times = []
    for _ in range(20):
        started = time.perf_counter()
        status = encode_status(
            structure=1,
            state=1,
            energization=live,
            device_open=device_open,
            transformer_node=node_index,
        )
        status_gz = gzip.compress(status, 6)
        times.append(time.perf_counter() - started)
    spec = json.dumps(deck_spec(build_deck(bounds=geometry.bounds)))
    counts = geometry.header["counts"]
    return {
        "segments / vertices / devices / transformers": (
            f"{counts['segments']:,} / {counts['vertices']:,} / {counts['devices']:,} / {counts['transformers']:,}"
        ),
        "geometry body": f"{_kb(len(geometry.body))} raw, {_kb(len(geometry.gzipped))} gzip (budget 1,400 KB)",
        "geometry encode (rows -> body + gzip, once per structure version)": f"{encode_s:.2f} s",
        "status body": f"{_kb(len(status))} raw, {len(status_gz):,} B gzip (budget 10 KB)",
        "status encode + gzip": f"median {statistics.median(times) * 1000:.1f} ms",
        "pydeck spec": f"{len(spec):,} B (budget 20 KB)",
    }


def _manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server at {url} did not come up")


def _login(base: str) -> urllib.request.OpenerDirector:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/accounts/login/").read()
    token = next(c.value for c in jar if c.name == "csrftoken")
    data = f"username={USER}&password={PASSWORD}&csrfmiddlewaretoken={token}".encode()
    request = urllib.request.Request(f"{base}/accounts/login/", data=data, headers={"Referer": f"{base}/"})
    opener.open(request).read()
    return opener


def served(scale: str = "default") -> dict[str, str]:
    """Seed `scale` into a temporary SQLite database, serve it with gunicorn and measure in Chromium."""
    from playwright.sync_api import sync_playwright

    results: dict[str, str] = {}
    base_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    with tempfile.TemporaryDirectory(prefix="fluxops-map-bench-") as tmp:
        port = _free_port()
        env = {
            **base_env,
            "FLUXOPS_VAR_DIR": f"{tmp}/var",
            "STATIC_ROOT": f"{tmp}/static",
            "BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "4",
        }
        _manage(env, "migrate", "--no-input", "-v0")
        _manage(env, "collectstatic", "--no-input", "-v0")
        _manage(env, "seed_grid", "--scale", scale, "-v0")
        _manage(
            env,
            "shell",
            "-c",
            "from django.contrib.auth.models import Group, User; "
            f"u = User.objects.create_user({USER!r}, password={PASSWORD!r}); "
            "u.groups.add(Group.objects.get(name='operator'))",
        )
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for(f"{base}/healthz")
            opener = _login(base)
            started = time.perf_counter()
            config_html = opener.open(f"{base}/map/").read().decode()
            results["map page, first request (loads and encodes the geometry into the cache)"] = (
                f"{(time.perf_counter() - started) * 1000:.0f} ms"
            )
            config = json.loads(config_html.split('id="map-config" type="application/json">')[1].split("</script>")[0])
            geometry_url = base + config["geometryUrl"]
            request = urllib.request.Request(geometry_url, headers={"Accept-Encoding": "gzip"})
            first = opener.open(request).read()
            samples = []
            for _ in range(20):
                started = time.perf_counter()
                opener.open(request).read()
                samples.append(time.perf_counter() - started)
            results["geometry from cache, localhost round trip (>= server time)"] = (
                f"median {statistics.median(samples) * 1000:.1f} ms, max {max(samples) * 1000:.1f} ms "
                f"({_kb(len(first))} gzip on the wire)"
            )
            status_request = urllib.request.Request(base + config["statusUrl"], headers={"Accept-Encoding": "gzip"})
            samples = []
            for _ in range(20):
                started = time.perf_counter()
                body = opener.open(status_request).read()
                samples.append(time.perf_counter() - started)
            results["status request, localhost round trip"] = (
                f"median {statistics.median(samples) * 1000:.1f} ms ({len(body):,} B gzip on the wire)"
            )
            with sync_playwright() as playwright:
                results.update(_browser(playwright, base, env))
        finally:
            server.terminate()
            server.wait(timeout=20)
    return results


def _browser(playwright: object, base: str, env: dict[str, str]) -> dict[str, str]:
    results: dict[str, str] = {}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", USER)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        external: list[str] = []
        page.on("request", lambda r: external.append(r.url) if not r.url.startswith(base) else None)
        page.goto(f"{base}/map/")
        page.wait_for_selector("[data-map-ready=true]", state="attached", timeout=120_000)
        first_draw = page.evaluate("window.fluxMap.metrics.navigationToFirstDrawMs")
        results["navigation to data loaded and first draw issued"] = f"{first_draw / 1000:.2f} s (budget 1.5 s)"
        page.wait_for_selector("[data-status-state]", state="attached", timeout=300_000)
        frames = [page.evaluate("window.fluxMap.measureFrame()") for _ in range(2)]
        load = os.getloadavg()[0]
        results["full frame, software rendering (all layers, whole network)"] = (
            f"{min(frames) / 1000:.1f} s best of 2 (load average {load:.1f} on {os.cpu_count()} cores)"
        )
        page.evaluate("window.fluxMap.visible = {segments: true}; window.fluxMap.render()")
        page.evaluate("window.fluxMap.measureFrame()")
        segments_only = page.evaluate("window.fluxMap.measureFrame()")
        results["full frame, segments layer only (67K LineLayer lines)"] = f"{segments_only / 1000:.1f} s"
        page.evaluate(
            "document.querySelectorAll('[data-layer]')"
            ".forEach(b => window.fluxMap.visible[b.dataset.layer] = b.checked); window.fluxMap.render()"
        )
        page.evaluate("window.fluxMap.measureFrame()")
        page.screenshot(path=str(ARTIFACTS / "map-default-by-feeder.png"))

        # Trip the first recloser of a feeder through the service layer, then refresh the status.
        code = _manage(
            env,
            "shell",
            "-c",
            "from grid.models import Device; from grid.services.network import device_states_changed; "
            "d = Device.objects.filter(kind='recloser').order_by('code')[40]; "
            "Device.objects.filter(pk=d.pk).update(current_state='open'); device_states_changed(); "
            "print(d.code)",
        ).split()[-1]
        state = page.evaluate("document.querySelector('[data-map]').dataset.statusState")
        started = time.perf_counter()
        page.evaluate("window.fluxMap.refreshStatus()")
        page.wait_for_function(
            f"document.querySelector('[data-map]').dataset.statusState !== '{state}'", timeout=300_000
        )
        issued = page.evaluate("window.fluxMap.metrics.statusToFrameMs")
        page.evaluate("window.fluxMap.measureFrame()")
        complete = (time.perf_counter() - started) * 1000
        results["status refresh to recoloured frame issued (geometry untouched)"] = f"{issued:.0f} ms"
        results["status refresh to recoloured frame rasterised (software)"] = f"{complete / 1000:.1f} s"
        page.check("input[name=map-mode][value=energization]")
        page.evaluate("window.fluxMap.measureFrame()")
        page.screenshot(path=str(ARTIFACTS / "map-default-energization-tripped.png"))
        page.fill("#map-search-q", code)
        page.evaluate("code => window.fluxMap.search(code)", code)
        page.wait_for_selector(f'#asset-panel[data-asset-ref="{code}"]', state="attached", timeout=120_000)
        page.evaluate(
            "const m = window.fluxMap; m.viewState = {...m.viewState, zoom: 13.3, transitionDuration: 0};"
            "m.zoom = 13.3; m.render()"
        )
        page.evaluate("window.fluxMap.measureFrame()")
        page.screenshot(path=str(ARTIFACTS / "map-default-tripped-recloser-zoomed.png"))
        results["requests to other hosts"] = str(len(external))
    finally:
        browser.close()
    return results


def run(scale: str = "default") -> dict[str, str]:
    results = payloads(generate(scale, 1))
    if CHROMIUM.exists():
        results.update(served(scale))
    else:
        results["browser"] = f"skipped: {CHROMIUM} not installed"
    return results


if __name__ == "__main__":
    for name, value in run(sys.argv[1] if len(sys.argv) > 1 else "default").items():
        print(f"{name}: {value}")
