"""Webhook secrets: where they are read from, and `Secrets`, which holds them so that nothing
generic ever shows them.

`read_secrets`: a `webhook:` section's `secrets` (literal), `secret_files` (paths) and
`secret_env` (variable names: $NAME, or the file named by $NAME_FILE); a problem names the
field, never the value. `Secrets` is an empty mapping to repr, dict(), JSON and deepcopy, so a
PageConfig can be logged or stored (monitor.registry keeps pages in Redis) without its keys;
`values_` is the one way in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

SECRET_FIELDS = ("secrets", "secret_files", "secret_env")
Problem = Callable[[str, str], None]  # (field, message)


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


def read_secrets(
    raw: Mapping[str, Any], env: Mapping[str, str], problem: Problem
) -> list[tuple[str, str]]:
    """(field, value) of every secret a `webhook:` section names, in order; each one that
    cannot be read is a `problem(field, message)`, and is left out."""
    found: list[tuple[str, str]] = []
    for key in SECRET_FIELDS:
        items = raw.get(key) or []
        if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
            problem(key, "expected a list of non-empty strings")
            continue
        for i, item in enumerate(items):
            where = f"{key}[{i}]"
            value = item if key == "secrets" else _read(key, item, env, where, problem)
            if value is not None:
                found.append((where, value))
    return found


def _read(key: str, item: str, env: Mapping[str, str], where: str, problem: Problem) -> str | None:
    value, why = env_secret(item, env) if key == "secret_env" else file_secret(item)
    if why:
        problem(where, why)
    return value


def env_secret(name: str, env: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(value, None) from $name, or else from the file named by $name_FILE; (None, problem)
    if neither gives one. The problem names the variable or file, never a value."""
    if env.get(name):
        return env[name], None
    if not env.get(f"{name}_FILE"):
        return None, f"environment variable {name} (or {name}_FILE) is not set"
    return file_secret(env[f"{name}_FILE"])


def file_secret(path: str) -> tuple[str | None, str | None]:
    try:
        value = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"cannot read {path}: {type(exc).__name__}"
    return (value, None) if value else (None, f"{path} is empty")
