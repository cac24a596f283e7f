"""Product labels: page + group + component, with per-page overrides by id or name.

Default: "GitHub - Actions" (no group), "OpenAI APIs - Chat" (grouped). With
`labels: {groups: {APIs: "OpenAI API"}, components: {Chat: "Chat Completions"}}`
the same component reads "OpenAI API - Chat Completions".
"""

from __future__ import annotations

from collections.abc import Iterable

from monitor.model import ComponentRef
from monitor.pages import PageConfig


def group_prefix(page: PageConfig, ref: ComponentRef) -> str:
    overrides = page.labels.groups
    for key in (ref.group_id, ref.group_name):
        if key and key in overrides:
            return overrides[key]
    return f"{page.name} {ref.group_name}" if ref.group_name else page.name


def component_name(page: PageConfig, ref: ComponentRef) -> str:
    overrides = page.labels.components
    for key in (ref.id, ref.name):
        if key in overrides:
            return overrides[key]
    return ref.name


def product_label(
    page: PageConfig, refs: Iterable[ComponentRef], incident_name: str | None = None
) -> str:
    """Components grouped by prefix, in order: "OpenAI API - Chat, Files; OpenAI Sora - Feed"."""
    by_prefix: dict[str, list[str]] = {}
    for ref in refs:
        names = by_prefix.setdefault(group_prefix(page, ref), [])
        name = component_name(page, ref)
        if name not in names:
            names.append(name)
    if not by_prefix:
        return f"{page.name} - {incident_name}" if incident_name else page.name
    return "; ".join(f"{prefix} - {', '.join(names)}" for prefix, names in by_prefix.items())
