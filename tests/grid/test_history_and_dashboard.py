"""Outage history, reliability aggregation, the dashboard and the reliability API."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from io import StringIO

import pytest
from altair.vegalite.v6.schema.core import TopLevelSpec
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from grid.engine.reliability import Indices, Interruption, indices, start_day
from grid.engine.synthetic import Network
from grid.models import Feeder, Outage, ServicePoint
from grid.selectors.reliability import (
    RECORD_STATES,
    Period,
    customers_served,
    local_tz,
    location_key,
    period_for,
    reliability_overview,
    reliability_report,
)
from grid.services.errors import ServiceError
from grid.services.history import history_seed
from grid.views.charts import daily_saidi_chart
from tests.grid.conftest import restored_outage

HX = {"HX-Request": "true"}


pytestmark = pytest.mark.usefixtures("fresh_network_cache")


@pytest.fixture
def history(small_network: Network) -> int:
    out = StringIO()
    call_command("seed_history", "--years", "3", "--seed", "4", stdout=out, verbosity=0)
    return int(out.getvalue().split()[1].replace(",", ""))


def _rows() -> list[tuple]:
    return list(
        Outage.objects.filter(source="history")
        .order_by("started_at", "feeder_id", "device_id", "transformer_id", "service_point_id")
        .values_list("started_at", "device_id", "transformer_id", "service_point_id", "customers_affected", "cause")
    )


def test_history_is_realistic_and_deterministic(history: int) -> None:
    assert history == Outage.objects.filter(source="history", state="closed").count() > 300
    rows = _rows()
    causes = Counter(row[5] for row in rows)
    assert set(causes) == {"weather", "vegetation", "equipment", "animal", "vehicle"}
    durations = list(Outage.objects.filter(source="history").values_list("duration_minutes", flat=True))
    assert min(durations) < 5 and max(durations) > 12 * 60  # momentary shots to multi-hour storm repairs
    assert Outage.objects.filter(source="history", steps__isnull=False).annotate().count() >= history
    multi_step = [o for o in Outage.objects.filter(source="history", device__kind="breaker") if o.steps.count() > 1]
    assert multi_step, "breaker outages are restored in steps"
    summer = sum(1 for row in rows if row[0].month in (6, 7, 8))
    winter = sum(1 for row in rows if row[0].month in (12, 1, 2))
    assert summer > winter
    with pytest.raises(CommandError, match="pass --reset"):
        call_command("seed_history", "--years", "3", "--seed", "4", verbosity=0)
    call_command("seed_history", "--years", "3", "--seed", "4", "--reset", stdout=StringIO(), verbosity=0)
    assert _rows() == rows
    call_command("seed_history", "--years", "3", "--seed", "5", "--reset", stdout=StringIO(), verbosity=0)
    changed = _rows()
    assert changed != rows
    # A bad seed is refused before anything is replaced.
    with pytest.raises(CommandError, match="invalid non_negative_int value"):
        call_command("seed_history", "--seed", "-1", "--reset", verbosity=0)
    with pytest.raises(ServiceError, match="seed must be 0 or more"):
        history_seed(years=3, seed=-1, reset=True)
    assert _rows() == changed


def test_history_durations_are_real_minutes_across_daylight_saving_changes(history: int) -> None:
    """Every generated outage's stored duration is the time between its stored start and restoration."""
    rows = list(Outage.objects.values_list("started_at", "restored_at", "duration_minutes"))
    spanning = 0
    for started, restored, minutes in rows:
        assert (restored - started).total_seconds() / 60 == pytest.approx(minutes, abs=1e-6)
        local = timezone.get_current_timezone()
        spanning += started.astimezone(local).utcoffset() != restored.astimezone(local).utcoffset()
    assert spanning > 0, "no generated outage spans a daylight-saving change: the check would prove nothing"


def test_storm_days_are_flagged_as_major_event_days(history: int) -> None:
    today = timezone.localdate()
    flagged = 0
    for year in (today.year - 2, today.year - 1):
        report = reliability_report(period_for("year", today=today, year=year))
        flagged += len(report.med_days)
        assert report.excluding_med.saidi <= report.all_days.saidi
    assert flagged >= 1


def test_per_feeder_indices_add_up_to_the_system(history: int) -> None:
    period = period_for("last12", today=timezone.localdate())
    overview = reliability_overview(period)
    system = overview.system.all_days
    assert sum(f.all_days.customer_minutes for f in overview.feeders) == pytest.approx(system.customer_minutes)
    assert sum(f.customers_served for f in overview.feeders) == system.customers_served
    excluding = overview.system.excluding_med
    assert sum(f.excluding_med.customers_interrupted for f in overview.feeders) == excluding.customers_interrupted
    assert sum(f.all_days.momentary_events for f in overview.feeders) == system.momentary_events
    saidis = [f.saidi for f in overview.feeders]
    assert saidis == sorted(saidis, reverse=True)
    # Every index of the overview's feeders is the one a report of that feeder gives.
    for figures in (overview.feeders[0], overview.feeders[len(overview.feeders) // 2]):
        report = reliability_report(period, feeder=figures.feeder)
        _assert_same(figures.all_days, report.all_days)
        _assert_same(figures.excluding_med, report.excluding_med)
    assert overview.feeders[0].all_days.cemi[1] > 0


def _records(period: Period, feeder_ids: list[int] | None) -> list[Interruption]:
    """The period's interruption records read row by row, as the definitions take them."""
    outages = Outage.objects.filter(
        state__in=RECORD_STATES, started_at__gte=period.start, started_at__lt=period.end
    ).order_by("started_at", "id")
    if feeder_ids is not None:
        outages = outages.filter(feeder_id__in=feeder_ids)
    return [
        Interruption(
            started_at=o.started_at,
            customers=o.customers_affected,
            customer_minutes=o.customer_minutes,
            duration=timedelta(minutes=o.duration_minutes),
            device=location_key(o.device_id, o.transformer_id, o.service_point_id),
            areas=o.areas,
        )
        for o in outages
    ]


def _assert_same(found: Indices, expected: Indices) -> None:
    for name in ("customers_served", "sustained_interruptions", "customers_interrupted", "momentary_events"):
        assert getattr(found, name) == getattr(expected, name), name
    assert found.distinct_customers_interrupted == expected.distinct_customers_interrupted
    for name in ("customer_minutes", "saifi", "saidi", "caidi", "caifi", "ctaidi", "asai", "maifi_e"):
        assert getattr(found, name) == pytest.approx(getattr(expected, name), rel=1e-9), name
    assert found.cemi == pytest.approx(expected.cemi, rel=1e-9)


@pytest.mark.parametrize("scope", ["system", "substation", "feeder"])
def test_sql_sums_give_the_indices_of_the_definitions(history: int, scope: str) -> None:
    """The reports sum in SQL; reading every record and applying grid.engine.reliability gives the same indices."""
    today = timezone.localdate()
    period = period_for("custom", today=today, first=date(today.year - 2, 1, 1), last=today)
    busiest = Outage.objects.filter(source="history").values("feeder").annotate(n=Count("id")).order_by("-n")[0]
    feeder = Feeder.objects.get(pk=busiest["feeder"])
    scopes = {
        "system": ({}, None),
        "substation": ({"substation": feeder.substation}, list(feeder.substation.feeders.values_list("pk", flat=True))),
        "feeder": ({"feeder": feeder}, [feeder.pk]),
    }
    kwargs, feeder_ids = scopes[scope]
    report = reliability_report(period, **kwargs)
    assert report.med_days and report.all_days.momentary_events and report.all_days.cemi[1]
    records = _records(period, feeder_ids)
    served = customers_served(feeder_ids=feeder_ids)
    tz = local_tz()
    normal = [r for r in records if start_day(r.started_at, tz) not in set(report.med_days)]
    # Service points lie in their transformer's area, read from the network rows.
    within = {f"s{pk}": f"t{transformer}" for pk, transformer in ServicePoint.objects.values_list("pk", "transformer")}
    sustained_areas = {area for r in records if r.sustained for area in r.areas}
    assert any(area in sustained_areas and outer in sustained_areas for area, outer in within.items()), (
        "no customer is hit both alone and through its transformer: the nesting would go untested"
    )
    minutes = period.minutes
    _assert_same(report.all_days, indices(records, customers_served=served, period_minutes=minutes, within=within))
    _assert_same(report.excluding_med, indices(normal, customers_served=served, period_minutes=minutes, within=within))


def test_no_records_give_zero_indices(small_network: Network) -> None:
    report = reliability_report(period_for("ytd", today=timezone.localdate()))
    assert report.med_days == [] and report.all_days.saidi == report.excluding_med.saifi == 0
    assert report.all_days.asai == 1.0 and report.all_days.cemi == {1: 0.0, 2: 0.0, 3: 0.0}


def test_a_live_restored_outage_moves_year_to_date(small_network: Network, operator: User) -> None:
    period = period_for("ytd", today=timezone.localdate())
    before = reliability_report(period).all_days
    outage = restored_outage(by=operator, minutes=45, area="t1", customers=33)
    after = reliability_report(period).all_days
    assert after.customers_interrupted == before.customers_interrupted + 33
    assert after.customer_minutes >= 33 * 45
    assert list(outage.record_areas.values_list("area", "customers")) == [("t1", 33)]
    assert after.distinct_customers_interrupted == before.distinct_customers_interrupted + 33
    # A momentary interruption is an event for MAIFI_E, not a customer interrupted: it records no areas.
    shot = restored_outage(by=operator, minutes=3, area="t2", customers=20)
    latest = reliability_report(period).all_days
    assert not shot.record_areas.exists()
    assert latest.momentary_events == after.momentary_events + 1
    assert latest.distinct_customers_interrupted == after.distinct_customers_interrupted


def test_dashboard_full_page_and_each_card(client: Client, viewer: User, history: int) -> None:
    client.force_login(viewer)
    page = client.get("/")
    html = page.content.decode()
    assert page.status_code == 200 and "active outages" in html and "SAIDI" in html and 'id="saidi-spec"' in html
    assert "vendor/vega/vega-embed.min." in html
    for card in ("outages", "crews", "reliability", "feeders", "chart"):
        partial = client.get("/", {"card": card}, headers=HX)
        assert partial.status_code == 200
        assert partial.content.decode().lstrip().startswith(f'<section id="card-{card}"'), card
    assert client.get("/", {"card": "nope"}, headers=HX).status_code == 404


def test_daily_saidi_chart_holds_each_day_and_a_dashed_med_rule_per_year() -> None:
    # Across two new years: 2024 has no threshold yet (too little history); 2025 and 2026 share one,
    # which must still give one rule per year.
    first = date(2024, 12, 30)
    series = [(first + timedelta(days=i), (i % 7) * 1.234567, i in (3, 200)) for i in range(370)]
    spec = daily_saidi_chart(series, {2024: None, 2025: 4.567891, 2026: 4.567891})
    TopLevelSpec.validate(spec)  # raises unless the spec is Vega-Lite

    values = spec["data"]["values"]
    assert len(values) == 370 and values[0] == {"day": "2024-12-30", "saidi": 0.0, "med": False, "threshold": None}
    assert values[3] == {"day": "2025-01-02", "saidi": 3.7037, "med": True, "threshold": 4.5679}
    assert values[-1] == {"day": "2026-01-03", "saidi": 6.1728, "med": False, "threshold": 4.5679}
    assert [v["day"] for v in values if v["med"]] == ["2025-01-02", "2025-07-18"]

    bars, rule = spec["layer"]
    assert bars["mark"]["type"] == "bar"
    encoding = bars["encoding"]
    assert (encoding["x"]["field"], encoding["y"]["field"], encoding["color"]["field"]) == ("day", "saidi", "med")
    assert encoding["y"]["title"] == "SAIDI (min)" and encoding["color"]["title"] == "Major event day"
    domain, colours = encoding["color"]["scale"]["domain"], encoding["color"]["scale"]["range"]
    assert domain == [False, True] and colours[0] != colours[1]  # MED days stand out

    # The rule as Vega-Lite draws it from the data: days with a threshold, grouped by UTC year and
    # threshold, from the first to the last day of each group.
    assert rule["mark"]["type"] == "rule" and rule["mark"]["strokeDash"]
    assert rule["transform"] == [{"filter": "datum.threshold != null"}]
    encoding = rule["encoding"]
    assert (encoding["x"]["aggregate"], encoding["x2"]["aggregate"]) == ("min", "max")
    assert encoding["x"]["field"] == encoding["x2"]["field"] == encoding["detail"]["field"] == "day"
    assert encoding["detail"]["timeUnit"] == "utcyear" and encoding["y"]["field"] == "threshold"
    drawn: dict[tuple[str, float], list[str]] = {}
    for value in values:
        if value["threshold"] is not None:
            drawn.setdefault((value["day"][:4], value["threshold"]), []).append(value["day"])
    rules = {key: (min(days), max(days)) for key, days in drawn.items()}
    assert rules == {("2025", 4.5679): ("2025-01-01", "2025-12-31"), ("2026", 4.5679): ("2026-01-01", "2026-01-03")}


def test_reliability_page_and_validation(client: Client, viewer: User, history: int) -> None:
    client.force_login(viewer)
    page = client.get("/reliability/", {"period": "last12"}).content.decode()
    assert "SAIFI" in page and "CEMI<sub>3</sub>" in page and "Momentary events" in page
    assert "—" not in page  # every index, CEMI_n included, with and without MED days
    feeder = Outage.objects.filter(source="history").first().feeder
    partial = client.get("/reliability/", {"period": "last12", "feeder": feeder.code}, headers=HX)
    assert partial.content.decode().lstrip().startswith('<div id="reliability-result">')
    assert feeder.code in partial.content.decode()
    bad = client.get("/reliability/", {"period": "custom", "start": "2025-05-01", "end": "2025-01-01"})
    assert "Start must not be after end" in bad.content.decode()


def test_reliability_api(client: Client, viewer: User, history: int) -> None:
    client.force_login(viewer)
    body = client.get("/api/v1/reliability/indices", {"period": "last12"}).json()
    assert body["scope"] == "system" and body["all_days"]["saifi"] > 0
    assert body["excluding_med"]["saidi"] <= body["all_days"]["saidi"]
    feeder = Outage.objects.filter(source="history").first().feeder
    one = client.get("/api/v1/reliability/indices", {"period": "last12", "feeder": feeder.code}).json()
    assert one["scope"] == feeder.code and one["customers_served"] < body["customers_served"]
    assert client.get("/api/v1/reliability/indices", {"feeder": "NOPE"}).status_code == 404
    assert client.get("/api/v1/reliability/indices", {"period": "custom", "start": "2025-13-01"}).status_code == 422
    assert client.get("/api/v1/reliability/indices", {"period": "custom"}).status_code == 400
    assert client.get("/api/v1/reliability/indices", {"period": "decade"}).status_code == 400
    ranking = client.get("/api/v1/reliability/feeders", {"limit": 3}).json()
    assert len(ranking["items"]) == 3 and ranking["items"][0]["saidi"] >= ranking["items"][1]["saidi"]
    worst = ranking["items"][0]
    assert worst["excluding_med"]["saidi"] == worst["saidi"] and set(worst["all_days"]["cemi"]) == {"1", "2", "3"}
    kpis = client.get("/api/v1/reliability/kpis").json()
    assert kpis["active_outages"] == 0 and kpis["saidi_ytd"] >= kpis["saidi_ytd_excluding_med"]


def test_outage_windows_give_the_ami_generator_its_gaps(history: int) -> None:
    from datetime import datetime as naive_datetime

    from grid.models import Transformer
    from grid.selectors.outages import AMI_STANDARD_TIME, outage_windows

    outage = Outage.objects.filter(source="history", transformer__isnull=False).order_by("started_at").last()
    local_start = outage.started_at.astimezone(AMI_STANDARD_TIME).replace(tzinfo=None)
    day = naive_datetime.combine(local_start.date(), naive_datetime.min.time())
    windows = outage_windows(day, day + timedelta(days=1))
    match = [w for w in windows if w.start == local_start and outage.transformer_id in w.transformer_ids]
    assert match and match[0].end > match[0].start
    assert Transformer.objects.filter(pk__in={t for w in windows for t in w.transformer_ids}).count() > 0
    assert outage_windows(naive_datetime(1990, 1, 1), naive_datetime(1990, 1, 2)) == []


@pytest.mark.parametrize(
    ("first", "last", "hours"),
    [
        (date(2026, 3, 1), date(2026, 3, 31), 31 * 24 - 1),  # spring forward: one hour shorter
        (date(2026, 11, 1), date(2026, 11, 30), 30 * 24 + 1),  # fall back: one hour longer
        (date(2026, 1, 1), date(2026, 12, 31), 365 * 24),
    ],
)
def test_period_minutes_are_real_minutes(first: date, last: date, hours: int) -> None:
    assert Period(first=first, last=last, label="test").minutes == hours * 60
