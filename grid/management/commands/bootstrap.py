"""Create the local admin account on first run, with a random password printed once."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser

from fluxops.roles import ADMIN


class Command(BaseCommand):
    help = "Create a local admin account if no superuser exists; prints its random password once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin", help="account name (default: admin)")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("An admin account exists; nothing to do.")
            return
        if User.objects.filter(username=username).exists():
            self.stderr.write(f"User {username!r} exists but is not a superuser; not changing it.")
            return
        password = secrets.token_urlsafe(12)
        user = User.objects.create_superuser(username=username, email="", password=password)
        user.groups.add(Group.objects.get(name=ADMIN))
        self.stdout.write(
            self.style.SUCCESS(
                f"Created admin account {username!r} with password: {password}\n"
                "It is shown only this once; change it after logging in (or `manage.py changepassword`)."
            )
        )
