"""Request ids, the JSON request log line, the slow-request flag and probe routing."""

from __future__ import annotations

import json
import logging

from django.test import Client

from fluxops.logging import JsonFormatter, RequestIdFilter, request_id_var


def _request_lines(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "fluxops.request"]


def test_every_response_has_a_request_id_matching_the_log_line(client: Client, viewer, caplog) -> None:
    client.force_login(viewer)
    with caplog.at_level(logging.INFO, logger="fluxops.request"):
        response = client.get("/")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    (record,) = _request_lines(caplog)
    assert record.request_id == request_id
    fields = (record.user, record.method, record.path, record.route, record.status)
    assert fields == ("vera-viewer", "GET", "/", "/", 200)
    assert record.duration_ms >= 0 and record.slow is False
    line = json.loads(JsonFormatter().format(record))
    assert {"request_id", "user", "method", "path", "status", "duration_ms", "slow"} <= set(line)


def test_a_well_formed_incoming_request_id_is_kept_and_a_hostile_one_replaced(client: Client, db) -> None:
    assert client.get("/accounts/login/", HTTP_X_REQUEST_ID="edge-1234abcd")["X-Request-ID"] == "edge-1234abcd"
    replaced = client.get("/accounts/login/", HTTP_X_REQUEST_ID='x"\n{"level":"ERROR"}')["X-Request-ID"]
    assert replaced != 'x"\n{"level":"ERROR"}' and len(replaced) == 32


def test_slow_requests_are_flagged_at_warning(client: Client, db, settings, caplog) -> None:
    settings.SLOW_REQUEST_MS = 0
    with caplog.at_level(logging.INFO, logger="fluxops.request"):
        client.get("/accounts/login/")
    (record,) = _request_lines(caplog)
    assert record.slow is True and record.levelno == logging.WARNING


def test_anonymous_requests_log_no_user_and_add_no_query(client: Client, db, django_assert_num_queries, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="fluxops.request"), django_assert_num_queries(0):
        client.get("/no-such-page")
    (record,) = _request_lines(caplog)
    assert record.user is None and record.status == 404 and record.route == "unmatched"


def test_lines_logged_during_a_request_carry_its_id() -> None:
    record = logging.makeLogRecord({"msg": "warehouse query", "query_id": "01b2", "duration_ms": 812})
    token = request_id_var.set("abc123def456")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "abc123def456" and line["query_id"] == "01b2" and line["duration_ms"] == 812


def test_probes_answer_for_any_host_and_over_plain_http(client: Client, db, settings) -> None:
    # The platform probes the container IP over HTTP; host checks and the HTTPS redirect must not apply.
    settings.ALLOWED_HOSTS = [".snowflakecomputing.app"]
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/readyz", HTTP_HOST="10.0.3.17:8000").json() == {"status": "ready"}
    assert client.get("/healthz", HTTP_HOST="10.0.3.17:8000").status_code == 200
    assert client.get("/accounts/login/", HTTP_HOST="10.0.3.17:8000").status_code == 400
    assert client.get("/accounts/login/", HTTP_HOST="x.snowflakecomputing.app").status_code == 301
