"""Analytics pages: full page from the operational database alone, lazy panels, CSV, errors, warehouse down."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import time

import pytest
from django.contrib.auth.models import User
from django.test import Client

from analytics import queries
from analytics.warehouse import DuckDBWarehouse
from grid.engine.synthetic import Network
from grid.models import Feeder
from tests.analytics.conftest import DAY
from tests.analytics.test_warehouse import HOLD_WRITER

pytestmark = pytest.mark.django_db

PANELS = ["feeder-load", "transformer-loading", "voltage-compliance", "system-load"]
HX = {"HX-Request": "true"}
PERIOD = {"start": "2026-07-20", "days": "2"}


@pytest.fixture
def viewer_client(client: Client, viewer: User) -> Client:
    client.force_login(viewer)
    return client


@pytest.fixture
def warehouse_down(settings) -> None:
    """Snowflake on a closed local port: every connection is refused."""
    settings.WAREHOUSE_URL = "snowflake://u:p@acct/FLUX/AMI?host=127.0.0.1&port=9&protocol=http"
    settings.WAREHOUSE_CONNECT_TIMEOUT = 2


def _chart_spec(html: str) -> dict:
    match = re.search(r'<script id="chart-[a-z-]+" type="application/json">(.*?)</script>', html, re.S)
    assert match, "no chart spec in the panel"
    return json.loads(match.group(1))


def test_login_required(client: Client, small_network: Network) -> None:
    response = client.get("/analytics/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/analytics/panels/system-load/", headers=HX).status_code == 302


def test_page_renders_without_the_warehouse(viewer_client: Client, small_network: Network, warehouse_down) -> None:
    started = time.monotonic()
    response = viewer_client.get("/analytics/")
    assert time.monotonic() - started < 1
    html = response.content.decode()
    assert response.status_code == 200
    for slug in PANELS:
        assert f'hx-get="/analytics/panels/{slug}/"' in html
    assert html.count('hx-trigger="load"') == 4
    assert "/static/vendor/vega/vega-embed.min." in html and "cdn" not in html.lower()
    assert 'href="/analytics/"' in html and "Analytics</a>" in html  # nav link
    assert Feeder.objects.order_by("code").first().code in html  # feeder choices from the database


def test_panel_page_is_lazy_and_keeps_parameters(viewer_client: Client, small_network: Network, warehouse_down) -> None:
    response = viewer_client.get("/analytics/panels/transformer-loading/", PERIOD)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert 'hx-get="/analytics/panels/transformer-loading/?start=2026-07-20&amp;days=2"' in html
    assert response["Vary"].count("HX-Request") == 1


def test_system_load_panel(viewer_client: Client, small_network: Network, warehouse_url: str) -> None:
    response = viewer_client.get("/analytics/panels/system-load/", headers=HX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="panel-system-load"')
    rows = queries.run(queries.system_load(day=DAY + __import__("datetime").timedelta(days=1)))
    peak = max(row.mw_day for row in rows)
    assert f"{peak:.1f} MW" in html  # default day: the last day held
    spec = _chart_spec(html)
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
    assert "/analytics/tables/system-load.csv" in html


def test_feeder_load_panel_marks_the_peak(viewer_client: Client, small_network: Network, warehouse_url: str) -> None:
    feeder = Feeder.objects.order_by("code")[2]
    response = viewer_client.get("/analytics/panels/feeder-load/", {**PERIOD, "feeder": feeder.code}, headers=HX)
    html = response.content.decode()
    rows = queries.run(
        queries.feeder_load_profile(feeder_id=feeder.pk, start=DAY, end=DAY + __import__("datetime").timedelta(days=2))
    )
    totals: dict = {}
    for row in rows:
        totals[row.hour] = totals.get(row.hour, 0) + row.avg_kw
    peak_hour = max(totals, key=totals.get)
    assert feeder.code in html and peak_hour.strftime("%a %-d %b %H:%M") in html
    spec = _chart_spec(html)
    layers = spec["layer"]
    assert layers[0]["mark"]["type"] == "area" and layers[1]["mark"]["type"] == "rule"
    classes = (
        {value["customer_class"] for value in spec["datasets"][next(iter(spec["datasets"]))]}
        if "datasets" in spec
        else None
    )
    assert classes is None or classes <= {"residential", "commercial", "industrial"}


def test_transformer_panel_ranks_and_links(
    client: Client, admin_user: User, small_network: Network, warehouse_url: str
) -> None:
    client.force_login(admin_user)
    html = client.get("/analytics/panels/transformer-loading/", PERIOD, headers=HX).content.decode()
    top = queries.run(queries.transformer_loading(start=DAY, end=DAY + __import__("datetime").timedelta(days=2)))[0]
    assert top.peak_pct > 100
    assert f'/admin/grid/transformer/{top.transformer_id}/change/">{top.transformer_code}</a>' in html
    assert "transformers peaked above 100% of rating" in html


def test_voltage_panel_lists_meters_of_a_feeder(
    viewer_client: Client, small_network: Network, warehouse_url: str
) -> None:
    feeders = queries.run(
        queries.voltage_compliance_feeders(start=DAY, end=DAY + __import__("datetime").timedelta(days=2))
    )
    worst = feeders[0]
    assert worst.meters_out_a > 0
    html = viewer_client.get(
        "/analytics/panels/voltage-compliance/", {**PERIOD, "feeder": worst.feeder_code}, headers=HX
    ).content.decode()
    assert f"Meters with excursions on {worst.feeder_code}" in html
    assert html.count("<tr><td>M") >= min(worst.meters_out_a, 50)


def test_csv_downloads(viewer_client: Client, small_network: Network, warehouse_url: str) -> None:
    feeder = queries.run(
        queries.voltage_compliance_feeders(start=DAY, end=DAY + __import__("datetime").timedelta(days=2))
    )[0]
    for table, params in [
        ("feeder-load", PERIOD),
        ("transformer-loading", PERIOD),
        ("voltage-compliance", PERIOD),
        ("voltage-meters", {**PERIOD, "feeder": feeder.feeder_code}),
        ("system-load", {"day": "2026-07-21"}),
    ]:
        response = viewer_client.get(f"/analytics/tables/{table}.csv", params)
        assert response.status_code == 200, table
        assert response["Content-Type"] == "text/csv" and "attachment" in response["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert len(rows) > 1, table
    system = list(
        csv.DictReader(
            io.StringIO(viewer_client.get("/analytics/tables/system-load.csv", {"day": "2026-07-20"}).content.decode())
        )
    )
    assert [int(r["hour_of_day"]) for r in system] == list(range(24)) and float(system[0]["mw_week_before"]) > 0


@pytest.mark.parametrize(
    "params",
    [{"days": "0"}, {"days": "32"}, {"days": "x"}, {"start": "2026-02-30"}, {"feeder": "NOPE"}, {"day": "yesterday"}],
)
def test_bad_parameters_are_400(
    viewer_client: Client, small_network: Network, warehouse_url: str, params: dict
) -> None:
    assert viewer_client.get("/analytics/", params).status_code == 400
    assert viewer_client.get("/analytics/panels/feeder-load/", params, headers=HX).status_code == 400
    assert viewer_client.get("/analytics/tables/feeder-load.csv", params).status_code == 400


def test_unknown_panel_or_table_is_404(viewer_client: Client, small_network: Network) -> None:
    assert viewer_client.get("/analytics/panels/nope/", headers=HX).status_code == 404
    assert viewer_client.get("/analytics/tables/nope.csv").status_code == 404
    assert viewer_client.get("/analytics/tables/voltage-meters.csv").status_code == 400  # needs a feeder


def test_warehouse_down_panel_says_so_within_3_s_and_operations_work(
    viewer_client: Client, small_network: Network, warehouse_down
) -> None:
    for slug in PANELS:
        started = time.monotonic()
        response = viewer_client.get(f"/analytics/panels/{slug}/", headers=HX)
        assert time.monotonic() - started < 3, slug
        assert response.status_code == 200
        assert "Analytics unavailable" in response.content.decode()
    assert viewer_client.get("/").status_code == 200
    assert viewer_client.get("/api/v1/grid/summary").status_code == 200
    assert viewer_client.get("/analytics/tables/system-load.csv").status_code == 503


def test_empty_warehouse_tells_how_to_load_data(
    viewer_client: Client, small_network: Network, settings, tmp_path
) -> None:
    settings.WAREHOUSE_URL = f"duckdb:///{tmp_path / 'none.duckdb'}"
    html = viewer_client.get("/analytics/panels/system-load/", headers=HX).content.decode()
    assert "seed_ami" in html


def test_long_query_polls_until_ready(
    viewer_client: Client, small_network: Network, warehouse_url: str, monkeypatch, settings
) -> None:
    real_fetch = DuckDBWarehouse.fetch
    calls = {"n": 0}

    def slow_fetch(self, ticket):
        calls["n"] += 1
        return None if calls["n"] == 1 else real_fetch(self, ticket)

    monkeypatch.setattr(DuckDBWarehouse, "fetch", slow_fetch)
    settings.ANALYTICS_PANEL_WAIT = 0
    first = viewer_client.get("/analytics/panels/system-load/", headers=HX).content.decode()
    assert "Still computing" in first and "every 2s" in first
    settings.ANALYTICS_PANEL_WAIT = 5
    second = viewer_client.get("/analytics/panels/system-load/", headers=HX).content.decode()
    assert "Still computing" not in second and "MW" in second
    # The result is now cached by query, parameters and data version: no new background query.
    monkeypatch.setattr(DuckDBWarehouse, "submit", lambda *a, **k: pytest.fail("should be cached"))
    assert "MW" in viewer_client.get("/analytics/panels/system-load/", headers=HX).content.decode()


def test_panel_while_a_writer_holds_the_warehouse(
    viewer_client: Client, small_network: Network, warehouse_url: str, ami_warehouse: DuckDBWarehouse
) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITER, str(ami_warehouse.path)],
        stdout=subprocess.PIPE,
        stdin=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        response = viewer_client.get("/analytics/panels/system-load/", headers=HX)
        assert time.monotonic() - started < 3
        assert response.status_code == 200 and "being refreshed" in response.content.decode()
    finally:
        holder.communicate("done\n", timeout=10)


def test_query_counts(viewer_client: Client, small_network: Network, warehouse_down, django_assert_num_queries) -> None:
    with django_assert_num_queries(3):
        assert viewer_client.get("/analytics/").status_code == 200
    with django_assert_num_queries(3):
        viewer_client.get("/analytics/panels/feeder-load/", headers=HX)
