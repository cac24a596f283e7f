"""`Secrets`: signing keys or path tokens, held so that nothing generic ever shows them.

An empty mapping to repr, dict(), JSON and deepcopy, so a PageConfig can be logged or stored
(monitor.schedule keeps pages in Redis) without its keys; `values_` is the one way in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


class Secrets(Mapping[str, Any]):
    """Signing keys (or path tokens): an empty mapping to every generic view of it."""

    __slots__ = ("_values",)

    def __init__(self, values: tuple[bytes, ...] = ()) -> None:
        self._values = values

    @property
    def values_(self) -> tuple[bytes, ...]:
        return self._values

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return f"Secrets(<{len(self._values)} redacted>)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secrets) and other._values == self._values

    def __hash__(self) -> int:
        return hash(self._values)

    def __deepcopy__(self, memo: dict[int, Any]) -> Secrets:
        return self  # immutable
