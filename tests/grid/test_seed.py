"""seed_grid, grid_stats and bootstrap commands against the database."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from grid.engine.synthetic import Network
from grid.models import Feeder, Segment, ServicePoint, Substation
from grid.selectors.network import network_checksum_from_db, network_counts, network_is_seeded
from grid.services.network import network_clear


def test_seeded_rows_match_the_generator(small_network: Network) -> None:
    counts = network_counts()
    for name, count in small_network.counts().items():
        assert counts[name] == count
    assert network_checksum_from_db() == small_network.checksum()
    feeder = Feeder.objects.select_related("head_breaker").first()
    assert feeder.head_breaker.kind == "breaker"


def test_seed_refuses_a_non_empty_network_and_changes_nothing(small_network: Network) -> None:
    before = network_checksum_from_db()
    with pytest.raises(CommandError, match="not empty; pass --reset"):
        call_command("seed_grid", "--scale", "small", "--seed", "99", verbosity=0)
    assert network_checksum_from_db() == before


def test_seed_with_reset_replaces_the_network(small_network: Network) -> None:
    out = StringIO()
    call_command("seed_grid", "--scale", "small", "--seed", "99", "--reset", stdout=out, verbosity=0)
    checksum = out.getvalue().strip().splitlines()[-1].removeprefix("checksum: ")
    assert checksum != small_network.checksum()
    assert network_checksum_from_db() == checksum
    # Explicit ids were inserted: new rows still get fresh ids on every database.
    station = Substation.objects.create(code="SUB-NEW", name="New", lon=-95.4, lat=29.8, capacity_mva=40)
    assert station.pk > Substation.objects.exclude(pk=station.pk).order_by("-pk").first().pk


def test_seed_same_seed_prints_the_same_checksum(small_network: Network) -> None:
    outputs = []
    for _ in range(2):
        out = StringIO()
        call_command("seed_grid", "--scale", "small", "--seed", "5", "--reset", stdout=out, verbosity=0)
        outputs.append(out.getvalue().splitlines()[-1])
    assert outputs[0] == outputs[1]


def test_seed_if_empty_leaves_an_existing_network(small_network: Network) -> None:
    out = StringIO()
    call_command("seed_grid", "--if-empty", stdout=out, verbosity=0)
    assert "already seeded" in out.getvalue()
    assert network_checksum_from_db() == small_network.checksum()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scale", "huge"], "invalid choice: 'huge'"),
        (["--seed", "-1"], "invalid non_negative_int value"),
        (["--seed", "abc"], "invalid non_negative_int value"),
    ],
)
def test_seed_rejects_bad_arguments(small_network: Network, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("seed_grid", *args, verbosity=0)
    assert network_checksum_from_db() == small_network.checksum()


def test_seed_into_an_empty_database(small_network: Network) -> None:
    network_clear()
    assert not network_is_seeded()
    assert Segment.objects.count() == 0 and ServicePoint.objects.count() == 0
    call_command("seed_grid", "--scale", "small", "--seed", "7", verbosity=0, stdout=StringIO())
    assert network_checksum_from_db() == small_network.checksum()


def test_grid_stats_prints_counts_feeders_and_checksum(small_network: Network) -> None:
    out = StringIO()
    call_command("grid_stats", stdout=out)
    text = out.getvalue()
    assert f"segments: {small_network.counts()['segments']:,}" in text
    assert Feeder.objects.order_by("code").first().code in text
    assert text.strip().endswith(f"checksum: {small_network.checksum()}")


def test_bootstrap_creates_one_admin_with_a_random_password(db) -> None:
    first, second = StringIO(), StringIO()
    call_command("bootstrap", stdout=first)
    password = first.getvalue().split("password: ")[1].split()[0]
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)
    assert len(password) >= 16
    assert admin.groups.filter(name="admin").exists()
    call_command("bootstrap", stdout=second)
    assert "nothing to do" in second.getvalue()
    assert "password" not in second.getvalue()
    User.objects.all().delete()
    third = StringIO()
    call_command("bootstrap", stdout=third)
    assert third.getvalue().split("password: ")[1].split()[0] != password
