"""Edits to the network model outside the services (admin) bump the structure version."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from grid.services.network import NETWORK_MODELS, network_structure_changed


def _structure_changed(sender: type, **kwargs: Any) -> None:
    network_structure_changed()


def connect() -> None:
    """Connect the version bump to every network model's save and delete."""
    for model in NETWORK_MODELS:
        post_save.connect(_structure_changed, sender=model, dispatch_uid=f"grid-structure-save-{model.__name__}")
        post_delete.connect(_structure_changed, sender=model, dispatch_uid=f"grid-structure-delete-{model.__name__}")
