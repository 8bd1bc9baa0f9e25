"""Prefect events copflow emits after a change commits; deployments in prefect.yaml trigger on them."""

from __future__ import annotations

from typing import Any

from prefect.events import emit_event


def emit(name: str, slug: str, payload: dict[str, Any] | None = None) -> None:
    """Emit `name` about CoP `slug` (resource `copflow.cop.<slug>`, label `copflow.slug` for triggers)."""
    emit_event(event=name, resource={"prefect.resource.id": f"copflow.cop.{slug}", "copflow.slug": slug},
               payload=payload or {})
