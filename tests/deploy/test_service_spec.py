"""service_spec.yaml against the SPCS specification schema, and the deployment choices it encodes."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from fluxops.deploy import SPEC_PATH, DeployNames, render_spec
from tests.deploy.spcs_schema import validate

NAMES = DeployNames(postgres_host="pg.grid.example.net", grant_roles=("OPS_USERS",), image_tag="2026.11.28")


@pytest.fixture(scope="module")
def spec() -> dict:
    return yaml.safe_load(SPEC_PATH.read_text())


def test_spec_file_is_valid(spec: dict) -> None:
    assert validate(spec) == []


@pytest.mark.parametrize("callers_rights", [False, True])
def test_rendered_spec_is_valid_and_filled_in(callers_rights: bool) -> None:
    names = DeployNames(**{**NAMES.__dict__, "callers_rights": callers_rights, "role_map": "ALICE:admin"})
    rendered = yaml.safe_load(render_spec(names))
    assert validate(rendered) == []
    container = rendered["spec"]["containers"][0]
    assert container["image"] == "/fluxops/app/images/fluxops:2026.11.28"
    assert container["env"]["DATABASE_URL"] == "postgres://pg.grid.example.net:5432/fluxops?sslmode=require"
    assert container["env"]["SPCS_ROLE_MAP"] == "ALICE:admin"
    assert container["env"]["SPCS_CALLERS_RIGHTS"] == ("true" if callers_rights else "false")
    assert rendered["capabilities"]["securityContext"]["executeAsCaller"] is callers_rights


@pytest.mark.parametrize(
    ("path", "key", "value"),
    [
        ((), "instances", 2),
        (("spec",), "minInstances", 1),
        (("spec", "containers", 0), "replicas", 2),
        (("spec", "containers", 0, "readinessProbe"), "initialDelaySeconds", 30),
        (("spec", "endpoints", 0), "timeout", 120),
        (("spec", "containers", 0, "secrets", 0), "value", "hunter2"),
    ],
)
def test_unknown_keys_fail(spec: dict, path: tuple, key: str, value: object) -> None:
    broken = copy.deepcopy(spec)
    node = broken
    for step in path:
        node = node[step]
    node[key] = value
    assert any(f"unknown key {key!r}" in error for error in validate(broken))


def test_schema_catches_wrong_types_and_conflicting_secret_targets(spec: dict) -> None:
    broken = copy.deepcopy(spec)
    broken["spec"]["endpoints"][0]["port"] = "8000"
    broken["spec"]["endpoints"][0]["protocol"] = "GRPC"
    secret = broken["spec"]["containers"][0]["secrets"][0]
    secret["directoryPath"] = "/secrets"
    broken["spec"]["containers"][0]["name"] = "App_1"
    errors = "\n".join(validate(broken))
    assert "$.spec.endpoints[0].port: expected integer" in errors
    assert "GRPC" in errors
    assert "exactly one of ['envVarName', 'directoryPath']" in errors
    assert "App_1" in errors


def test_readiness_probe_is_the_app_readyz_on_the_public_http_port(spec: dict) -> None:
    (container,) = spec["spec"]["containers"]
    (endpoint,) = spec["spec"]["endpoints"]
    assert endpoint["public"] is True and endpoint["protocol"] == "HTTP"
    assert container["readinessProbe"] == {"port": endpoint["port"], "path": "/readyz"}
    assert container["env"]["BIND"] == f"0.0.0.0:{endpoint['port']}"
    assert "resources" in container and {"requests", "limits"} <= set(container["resources"])
    assert spec["serviceRoles"][0]["endpoints"] == [endpoint["name"]]


def test_credentials_come_from_snowflake_secrets_only(spec: dict) -> None:
    (container,) = spec["spec"]["containers"]
    from_secrets = {secret["envVarName"] for secret in container["secrets"]}
    assert {"SECRET_KEY", "DATABASE_USER", "DATABASE_PASSWORD", "METRICS_TOKEN"} <= from_secrets
    assert not from_secrets & set(container["env"])
    assert not re.search(r"//[^/@]*@", container["env"]["DATABASE_URL"]), "no credentials in DATABASE_URL"
    # The platform sets these; a value in the spec would point the connector at the wrong host.
    assert not {"SNOWFLAKE_HOST", "SNOWFLAKE_ACCOUNT"} & set(container["env"])


def test_every_spec_variable_is_documented_in_env_example(spec: dict) -> None:
    documented = set(re.findall(r"^([A-Z_]+)=", (Path(settings.BASE_DIR) / ".env.example").read_text(), re.M))
    (container,) = spec["spec"]["containers"]
    used = set(container["env"]) | {secret["envVarName"] for secret in container["secrets"]}
    assert used - documented == set()


def test_production_env_in_spec_is_hardened(spec: dict) -> None:
    env = spec["spec"]["containers"][0]["env"]
    assert env["SPCS_MODE"] == "true" and env["LOG_FORMAT"] == "json" and env.get("DEBUG", "false") == "false"
    assert int(env["GUNICORN_TIMEOUT"]) < 60, "must answer before the 60 s ingress cut"
