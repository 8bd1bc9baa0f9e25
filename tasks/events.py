"""Prefect events copflow emits after a change commits; deployments in prefect.yaml trigger on them."""

from __future__ import annotations

from copflow.runs import emit

__all__ = ["emit"]
