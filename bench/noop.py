"""A no-op task with the poll task's shape (one page id in, a small result stored): the raw
Celery baseline. The bench starts the production worker command plus `-I bench.noop`."""

from __future__ import annotations

from typing import Any

from workers.celery_app import app


@app.task(name="statusmon.bench.noop")  # type: ignore[untyped-decorator]
def noop(page_id: str) -> dict[str, Any]:
    return {"outcome": "noop", "notify": []}
