"""A JSON-schema-like description of the SPCS service specification, written from Snowflake's
"Service specification reference", and a small validator for it (unknown keys fail).

Covered: spec.containers (name, image, command, args, env, readinessProbe, volumeMounts, resources,
secrets), spec.endpoints, spec.volumes, spec.logExporters, spec.platformMonitor, capabilities
(securityContext.executeAsCaller) and serviceRoles. Instance counts are not part of it: they are
CREATE/ALTER SERVICE parameters.
"""

from __future__ import annotations

import re
from typing import Any

STRING = {"type": "string"}
STRINGS = {"type": "array", "items": STRING}
PORT = {"type": "integer", "minimum": 1, "maximum": 65535}
# Container, endpoint and volume names: up to 63 characters, lower-case alphanumerics or '-',
# starting with a letter and ending with an alphanumeric.
NAME = {"type": "string", "pattern": r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$"}
QUANTITY = {"type": ["string", "number"]}
RESOURCE_AMOUNTS = {
    "type": "object",
    "properties": {"memory": QUANTITY, "cpu": QUANTITY, "nvidia.com/gpu": {"type": "integer"}},
}
SECRET = {
    "type": "object",
    "required": ["snowflakeSecret"],
    "properties": {
        "snowflakeSecret": {
            "type": ["string", "object"],
            "properties": {"objectName": STRING, "objectReference": STRING},
            "oneOf": [["objectName"], ["objectReference"]],
        },
        "secretKeyRef": {"enum": ["username", "password", "secret_string"]},
        "envVarName": STRING,
        "directoryPath": STRING,
    },
    "oneOf": [["envVarName"], ["directoryPath"]],
}
CONTAINER = {
    "type": "object",
    "required": ["name", "image"],
    "properties": {
        "name": NAME,
        "image": STRING,
        "command": STRINGS,
        "args": STRINGS,
        "env": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
        "readinessProbe": {
            "type": "object",
            "required": ["port", "path"],
            "properties": {"port": PORT, "path": STRING},
        },
        "volumeMounts": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "mountPath"],
                "properties": {"name": NAME, "mountPath": STRING},
            },
        },
        "resources": {"type": "object", "properties": {"requests": RESOURCE_AMOUNTS, "limits": RESOURCE_AMOUNTS}},
        "secrets": {"type": "array", "items": SECRET},
    },
}
CORS = {
    "type": "object",
    "required": ["Access-Control-Allow-Origin"],
    "properties": {
        "Access-Control-Allow-Origin": STRINGS,
        "Access-Control-Allow-Methods": STRINGS,
        "Access-Control-Allow-Headers": STRINGS,
        "Access-Control-Expose-Headers": STRINGS,
    },
}
ENDPOINT = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": NAME,
        "port": PORT,
        "portRange": {"type": "string", "pattern": r"^\d+-\d+$"},
        "public": {"type": "boolean"},
        "protocol": {"enum": ["TCP", "HTTP", "HTTPS"]},
        "corsSettings": CORS,
    },
    "oneOf": [["port"], ["portRange"]],
}
VOLUME = {
    "type": "object",
    "required": ["name", "source"],
    "properties": {
        "name": NAME,
        "source": {"type": "string", "pattern": r"^(local|memory|block|@.+)$"},
        "size": STRING,
        "blockConfig": {
            "type": "object",
            "properties": {
                "initialContents": {"type": "object", "properties": {"fromSnapshot": STRING}},
                "iops": {"type": "integer"},
                "throughput": {"type": "integer"},
                "encryption": {"enum": ["SNOWFLAKE_SSE", "SNOWFLAKE_FULL"]},
                "snapshotOnDelete": {"type": "boolean"},
                "snapshotDeleteAfter": STRING,
            },
        },
        "uid": {"type": "integer"},
        "gid": {"type": "integer"},
    },
}
SCHEMA = {
    "type": "object",
    "required": ["spec"],
    "properties": {
        "spec": {
            "type": "object",
            "required": ["containers"],
            "properties": {
                "containers": {"type": "array", "minItems": 1, "items": CONTAINER},
                "endpoints": {"type": "array", "items": ENDPOINT},
                "volumes": {"type": "array", "items": VOLUME},
                "logExporters": {
                    "type": "object",
                    "properties": {
                        "eventTableConfig": {
                            "type": "object",
                            "properties": {"logLevel": {"enum": ["INFO", "ERROR", "NONE"]}},
                        }
                    },
                },
                "platformMonitor": {
                    "type": "object",
                    "properties": {"metricConfig": {"type": "object", "properties": {"groups": STRINGS}}},
                },
            },
        },
        "capabilities": {
            "type": "object",
            "properties": {
                "securityContext": {"type": "object", "properties": {"executeAsCaller": {"type": "boolean"}}}
            },
        },
        "serviceRoles": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "endpoints"],
                "properties": {"name": STRING, "endpoints": STRINGS},
            },
        },
    },
}

_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "integer": int,
    "number": (int, float),
}


def _is(value: Any, kind: str) -> bool:
    # bool is an int in Python; YAML `true` must not pass as a port or a count.
    if kind in {"integer", "number"} and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[kind])


def validate(value: Any, schema: dict = SCHEMA, path: str = "$") -> list[str]:
    """Every violation of `schema` in `value`, as 'path: problem' strings (empty when valid)."""
    errors: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        return [f"{path}: {value!r} is not one of {schema['enum']}"]
    kinds = schema.get("type")
    if kinds:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(_is(value, kind) for kind in kinds):
            return [f"{path}: expected {' or '.join(kinds)}, got {type(value).__name__}"]
    if "pattern" in schema and isinstance(value, str) and not re.match(schema["pattern"], value):
        errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, int) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{path}: {value} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{path}: {value} > {schema['maximum']}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: needs at least {schema['minItems']} item(s)")
        for index, item in enumerate(value):
            errors += validate(item, schema.get("items", {}), f"{path}[{index}]")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}: missing required key {key!r}")
        for key, item in value.items():
            if key in properties:
                errors += validate(item, properties[key], f"{path}.{key}")
            elif extra is not None:
                errors += validate(item, extra, f"{path}.{key}")
            else:
                errors.append(f"{path}: unknown key {key!r}")
        if "oneOf" in schema:
            present = [keys for keys in schema["oneOf"] if all(key in value for key in keys)]
            if len(present) != 1:
                errors.append(f"{path}: needs exactly one of {[' + '.join(keys) for keys in schema['oneOf']]}")
    if isinstance(value, dict) and "secretKeyRef" in value and "envVarName" not in value:
        errors.append(f"{path}: secretKeyRef goes only with envVarName")
    return errors
