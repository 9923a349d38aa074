"""Refresh the vendored front-end assets under static/vendor/ from the npm registry.

Each asset is pinned in ASSETS; the script downloads the package tarball from the
registry, checks its integrity hash, copies the listed files and records version,
licence and SHA-256 in static/vendor/manifest.json. Run it only to change a pin:
the app never fetches anything at run time.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import sys
import tarfile
import urllib.request
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor"
REGISTRY = "https://registry.npmjs.org"

# package -> (version, {file inside the package: file under static/vendor/})
ASSETS: dict[str, tuple[str, dict[str, str]]] = {
    "htmx.org": ("2.0.11", {"dist/htmx.min.js": "htmx/htmx.min.js", "LICENSE": "htmx/LICENSE"}),
    # Charts: Vega-Lite specs built by Altair (Vega-Lite 6.4.1 is the version altair 6.3.0 targets).
    "vega": ("6.4.0", {"build/vega.min.js": "vega/vega.min.js", "LICENSE": "vega/LICENSE"}),
    "vega-lite": ("6.4.1", {"build/vega-lite.min.js": "vega/vega-lite.min.js", "LICENSE": "vega/LICENSE-vega-lite"}),
    "vega-embed": (
        "7.3.0",
        {"build/vega-embed.min.js": "vega/vega-embed.min.js", "LICENSE": "vega/LICENSE-vega-embed"},
    ),
    # deck.gl's standalone bundle (global `deck`) and the JSON converter that renders pydeck specs;
    # the converter's bundle re-exports the global `deck` with JSONConverter added.
    "deck.gl": ("9.4.0", {"dist.min.js": "deck.gl/deck.gl.min.js", "LICENSE": "deck.gl/LICENSE"}),
    "@deck.gl/json": ("9.4.0", {"dist.min.js": "deck.gl/deck.gl-json.min.js", "LICENSE": "deck.gl/LICENSE-json"}),
}


def strip_source_map(target: str, data: bytes) -> bytes:
    """Drop `sourceMappingURL` comments: the maps are not vendored, and collectstatic would chase them."""
    if not target.endswith((".js", ".css")):
        return data
    return re.sub(rb"\n?(//|/\*)# sourceMappingURL=[^\n]*", b"", data)


def fetch_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.load(response)


def fetch_package(name: str, version: str) -> tuple[tarfile.TarFile, dict]:
    meta = fetch_json(f"{REGISTRY}/{name}/{version}")
    with urllib.request.urlopen(meta["dist"]["tarball"], timeout=120) as response:
        blob = response.read()
    algorithm, _, expected = meta["dist"]["integrity"].partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, blob).digest()).decode()
    if actual != expected:
        raise SystemExit(f"{name}@{version}: integrity mismatch")
    return tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz"), meta


def main() -> int:
    manifest: dict[str, dict] = {}
    for name, (version, files) in ASSETS.items():
        archive, meta = fetch_package(name, version)
        entry = {"version": version, "license": meta.get("license", "UNKNOWN"), "files": {}}
        for source, target in files.items():
            member = archive.extractfile(f"package/{source}")
            if member is None:
                raise SystemExit(f"{name}@{version}: {source} missing from the package")
            data = strip_source_map(target, member.read())
            path = VENDOR_DIR / target
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            entry["files"][target] = hashlib.sha256(data).hexdigest()
        manifest[name] = entry
        print(f"{name}@{version} ({entry['license']}): {len(files)} files", file=sys.stderr)
    (VENDOR_DIR / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
