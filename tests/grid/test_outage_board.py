"""The outage board's Active and History views, its state filters, pager, live refresh and labels."""

from __future__ import annotations

import random
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from grid.engine.synthetic import Network
from grid.models import Device, Outage
from grid.services.outages import outage_transition
from tests.grid.conftest import RAW_CODES, Stepped, restore_in_steps, visible_text

HX = {"HX-Request": "true"}
BOARD = {**HX, "HX-Target": "outage-board"}  # what the tabs and the filter form send
CODE = re.compile(r"OUT-\d{6}")

pytestmark = pytest.mark.usefixtures("fresh_network_cache")


def _row(html: str, outage: Outage) -> str:
    """The board row of `outage`, as markup."""
    match = re.search(rf"<tr class=\"state-[a-z_]+\">\s*<td><a [^>]*>{outage.code}</a>.*?</tr>", html, re.S)
    assert match, f"{outage.code} is not on the board"
    return match.group(0)


def _codes(html: str) -> set[str]:
    return set(CODE.findall(html))


@pytest.fixture
def board(small_network: Network, operator: User) -> dict[str, Stepped | Outage]:
    """A restored (not closed) outage, a closed one and an active one, on three fuses."""
    fuses = list(Device.objects.filter(kind="fuse").select_related("feeder").order_by("pk")[:3])
    restored = restore_in_steps(
        fuses[0], by=operator, customers=100, steps=[(40, 30), (90, 70)], started_ago=timedelta(hours=3)
    )
    closed = restore_in_steps(
        fuses[1], by=operator, customers=50, steps=[(10, 20), (135, 30)], started_ago=timedelta(hours=5)
    )
    outage_transition(
        outage_id=closed.outage.pk, version=closed.outage.version, action="close", by=operator, cause="vegetation"
    )
    closed.outage.refresh_from_db()
    active = Outage.objects.create(
        state="crew_assigned", source="ami", feeder=fuses[2].feeder, device=fuses[2],
        started_at=timezone.now() - timedelta(minutes=20), customers_affected=12,
    )  # fmt: skip
    return {"restored": restored, "closed": closed, "active": active}


def test_history_lists_restored_and_closed_with_duration_and_customer_minutes(
    client: Client, viewer: User, board: dict
) -> None:
    client.force_login(viewer)
    restored, closed, active = board["restored"], board["closed"], board["active"]
    page = client.get("/outages/", {"view": "history"})
    html = page.content.decode()
    assert page.status_code == 200 and "<html" in html
    assert 'aria-current="page">History</a>' in html
    assert active.code not in html
    # Worked out from the steps: 30 customers back after 40 min and 70 after 90; 20 after 10 and 30 after 135.
    assert (restored.duration_minutes, restored.customer_minutes) == (90, 7500)
    assert (closed.duration_minutes, closed.customer_minutes) == (135, 4250)
    for stepped, duration in ((restored, "1 h 30 min"), (closed, "2 h 15 min")):
        row = _row(html, stepped.outage)
        assert f'<td class="num">{duration}</td>' in row
        assert f'<td class="num">{round(stepped.customer_minutes):,}</td>' in row
        assert timezone.localtime(stepped.restored_at).strftime("%Y-%m-%d %H:%M") in row
    assert "Restored, to close" in _row(html, restored.outage) and "Closed" in _row(html, closed.outage)
    assert "Vegetation" in _row(html, closed.outage)
    # Newest restored first (restored 1 h 30 min ago, closed one restored 2 h 45 min ago).
    assert html.index(restored.outage.code) < html.index(closed.outage.code)


def test_active_view_keeps_restored_outages_until_closed(client: Client, viewer: User, board: dict) -> None:
    client.force_login(viewer)
    html = client.get("/outages/").content.decode()
    restored, closed, active = board["restored"].outage, board["closed"].outage, board["active"]
    assert 'aria-current="page">Active</a>' in html
    assert _codes(html) == {restored.code, active.code}
    assert "Restored, to close" in _row(html, restored)
    assert "0 / 100" in _row(html, restored) and "1 h 30 min" in _row(html, restored)  # supply back: time stops
    assert "Crew assigned" in _row(html, active) and "20 min" in _row(html, active)
    assert closed.code not in html


def test_board_views_full_page_and_partials_with_pinned_queries(
    client: Client, viewer: User, board: dict, django_assert_num_queries
) -> None:
    client.force_login(viewer)
    restored, closed, active = board["restored"].outage, board["closed"].outage, board["active"]
    expected = {"active": {restored.code, active.code}, "history": {restored.code, closed.code}}
    for view, codes in expected.items():
        # session, user, feeder choices of the filter form, count, rows
        with django_assert_num_queries(5):
            full = client.get("/outages/", {"view": view})
        assert "<html" in full.content.decode() and _codes(full.content.decode()) == codes
        # The live refresh and the pager: the table alone (session, user, count, rows).
        with django_assert_num_queries(4):
            table = client.get("/outages/", {"view": view}, headers=HX)
        body = table.content.decode()
        assert body.lstrip().startswith('<div id="outage-table"') and "<html" not in body
        assert _codes(body) == codes and "HX-Request" in table["Vary"] and "HX-Target" in table["Vary"]
        # Tabs and filters: the board with its controls (the feeder filter adds its lookup).
        with django_assert_num_queries(6):
            swapped = client.get("/outages/", {"view": view, "feeder": active.feeder.code}, headers=BOARD)
        body = swapped.content.decode()
        assert body.lstrip().startswith('<div id="outage-board"') and 'id="outage-table"' in body
        assert "<html" not in body and 'id="outage-filters"' in body
        shown = {o.code for o in (restored, closed, active) if o.feeder_id == active.feeder_id and o.code in codes}
        assert _codes(body) == shown


def test_live_refresh_and_tabs_keep_the_view_and_filters(client: Client, viewer: User, board: dict) -> None:
    client.force_login(viewer)
    feeder = board["active"].feeder.code
    html = client.get("/outages/", {"view": "history", "feeder": feeder, "cause": "vegetation"}).content.decode()
    refresh = re.search(r'<div id="outage-table" hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(refresh).query) == {"view": ["history"], "feeder": [feeder], "cause": ["vegetation"]}
    tabs = dict(
        (label, href.replace("&amp;", "&"))
        for href, label in re.findall(
            r'<a href="([^"]+)" hx-get="[^"]+" hx-target="#outage-board"[^>]*>(\w+)</a>', html
        )
    )
    assert parse_qs(urlsplit(tabs["Active"]).query) == {"feeder": [feeder], "cause": ["vegetation"]}
    assert parse_qs(urlsplit(tabs["History"]).query) == {
        "view": ["history"],
        "feeder": [feeder],
        "cause": ["vegetation"],
    }


def test_pager_keeps_view_and_filters(client: Client, viewer: User, small_network: Network) -> None:
    device = Device.objects.filter(kind="fuse").select_related("feeder").first()
    now = timezone.now()
    Outage.objects.bulk_create(
        Outage(
            state="closed", source="manual", cause="animal", feeder=device.feeder, device=device,
            started_at=now - timedelta(hours=2, minutes=i), restored_at=now - timedelta(hours=1, minutes=i),
            closed_at=now - timedelta(minutes=i), start_day=now.date(), customers_affected=3,
        )
        for i in range(55)
    )  # fmt: skip
    client.force_login(viewer)
    html = client.get("/outages/", {"view": "history", "cause": "animal"}).content.decode()
    assert "Page 1 of 2" in html and len(_codes(html)) == 50
    next_url = re.search(r'<a href="([^"]+)" hx-get="[^"]+" hx-target="#outage-table"[^>]*>Next', html).group(1)
    query = parse_qs(urlsplit(next_url.replace("&amp;", "&")).query)
    assert query == {"view": ["history"], "cause": ["animal"], "page": ["2"]}
    second = client.get("/outages/", {k: v[0] for k, v in query.items()}, headers=HX).content.decode()
    assert "Page 2 of 2" in second and len(_codes(second)) == 5 and not _codes(second) & _codes(html)


def _outages_in_every_state(seed: int) -> dict[str, set[str]]:
    """Outages in random states (each state at least once), timed like real ones; codes by state."""
    rng = random.Random(seed)
    devices = list(Device.objects.filter(kind="fuse").select_related("feeder").order_by("pk")[:6])
    now = timezone.now()
    states = list(Outage.State.values) + [rng.choice(Outage.State.values) for _ in range(rng.randint(0, 10))]
    by_state: dict[str, set[str]] = {state: set() for state in Outage.State.values}
    for state in states:
        device = rng.choice(devices)
        started = now - timedelta(minutes=rng.randint(30, 3 * 24 * 60))
        supply_back = state in ("restored", "closed")
        outage = Outage.objects.create(
            state=state, source=rng.choice(Outage.Source.values), cause=rng.choice(Outage.Cause.values),
            feeder=device.feeder, device=device, started_at=started, customers_affected=rng.randint(1, 500),
            restored_at=started + timedelta(minutes=rng.randint(5, 25)) if supply_back else None,
            closed_at=started + timedelta(minutes=30) if state == "closed" else None,
        )  # fmt: skip
        by_state[state].add(outage.code)
    return by_state


@pytest.mark.parametrize("seed", range(4))
def test_each_state_filter_lists_exactly_that_state_in_either_view(
    client: Client, viewer: User, small_network: Network, seed: int
) -> None:
    by_state = _outages_in_every_state(seed)
    client.force_login(viewer)
    for state, codes in by_state.items():
        for view in ("", "active", "history"):
            params = {"state": state, **({"view": view} if view else {})}
            html = client.get("/outages/", params, headers=HX).content.decode()
            assert _codes(html) == codes, (state, view)
    open_codes = set().union(*(by_state[s] for s in Outage.OPEN_STATES))
    history_codes = set().union(*(by_state[s] for s in Outage.HISTORY_STATES))
    assert _codes(client.get("/outages/", headers=HX).content.decode()) == open_codes
    assert _codes(client.get("/outages/", {"view": "history"}, headers=HX).content.decode()) == history_codes


def test_a_state_of_the_other_view_switches_to_it(client: Client, viewer: User, board: dict) -> None:
    client.force_login(viewer)
    closed, active = board["closed"].outage, board["active"]
    response = client.get("/outages/", {"view": "active", "state": "closed"}, headers=BOARD)
    html = response.content.decode()
    assert _codes(html) == {closed.code}
    assert 'aria-current="page">History</a>' in html and "Closed outages are listed under History" in html
    assert '<input type="hidden" name="view" value="history"' in html
    assert response["HX-Push-Url"] == "/outages/?view=history&state=closed"
    back = client.get("/outages/", {"view": "history", "state": "crew_assigned"}).content.decode()
    assert _codes(back) == {active.code} and "Crew assigned outages are listed under Active" in back
    # Restored outages belong to both views: no switch.
    stay = client.get("/outages/", {"view": "history", "state": "restored"}).content.decode()
    assert 'aria-current="page">History</a>' in stay and "listed under" not in stay


def test_history_period_and_empty_states(client: Client, viewer: User, small_network: Network) -> None:
    client.force_login(viewer)
    assert (
        "No restored, closed or cancelled outages in the last 7 days."
        in client.get("/outages/", {"view": "history"}).content.decode()
    )
    device = Device.objects.filter(kind="fuse").select_related("feeder").first()
    now = timezone.now()
    old = Outage.objects.create(
        state="closed", source="manual", feeder=device.feeder, device=device, started_at=now - timedelta(days=20),
        restored_at=now - timedelta(days=19), closed_at=now - timedelta(days=19), customers_affected=4,
    )  # fmt: skip
    week = client.get("/outages/", {"view": "history"}).content.decode()
    assert old.code not in week and "in the last 7 days" in week
    month = client.get("/outages/", {"view": "history", "period": "30"}).content.decode()
    assert _codes(month) == {old.code}
    filtered = client.get("/outages/", {"view": "history", "period": "30", "cause": "animal"}).content.decode()
    assert "No outages in the last 30 days match these filters." in filtered
    assert "No restored, closed or cancelled outages on record" not in filtered
    active = client.get("/outages/", {"cause": "animal"}).content.decode()
    assert "No active outages match these filters." in active and "every customer has supply" not in active
    assert "every customer has supply" in client.get("/outages/").content.decode()


def test_board_shows_labels_not_codes(client: Client, viewer: User, small_network: Network) -> None:
    _outages_in_every_state(seed=11)
    client.force_login(viewer)
    for view in ("active", "history"):
        text = visible_text(client.get("/outages/", {"view": view, "period": "all"}).content.decode())
        for code in RAW_CODES:
            assert not re.search(rf"\b{code}\b", text), (view, code)
    assert "Crew assigned" in visible_text(client.get("/outages/", {"state": "crew_assigned"}).content.decode())
