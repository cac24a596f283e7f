"""`make chaos` writes its table between two markers of the README, and only there."""

from __future__ import annotations

from pathlib import Path

from bench.chaos_report import BEGIN, END, Row, render, write_readme


def row(name: str = "notifier-kill", missed: int = 0) -> Row:
    return Row(name, 12, 77, 77 - missed, missed, 0, 16.6, "/tmp/run", [])


def test_the_table_replaces_what_is_between_the_markers_and_nothing_else(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\nbefore\n{BEGIN}\nold table\n{END}\nafter\n", encoding="utf-8")
    write_readme(readme, [row()])
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Title\n\nbefore\n")
    assert text.endswith(f"{END}\nafter\n")
    assert "old table" not in text
    assert "| kill -9 of the notifier | 12 | 77 | 77 | 0 | 0 | 0 | 16.6 |" in text


def test_a_readme_without_markers_is_left_alone(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Title\n", encoding="utf-8")
    write_readme(readme, [row()])
    assert readme.read_text(encoding="utf-8") == "# Title\n"


def test_a_row_with_missed_lines_says_what_explains_them() -> None:
    args = {"pages": 300, "hosts": 10, "interval": 5, "span": 25, "settle": 40, "seed": 1}
    text = render([row("redis-down", missed=6), row()], args, 100.0)
    assert "Redis unreachable 30 s" in text and "no poll runs without Redis" in text
    assert text.count("\n- ") == 1  # the clean row needs no note


def test_a_row_with_unobservable_changes_says_what_they_were() -> None:
    args = {"pages": 300, "hosts": 10, "interval": 5, "span": 25, "settle": 40, "seed": 1}
    down = row("redis-down")
    down.unobservable, down.seen_anyway = 6, 2
    text = render([down, row()], args, 100.0)
    assert (
        "| Redis unreachable 30 s (stopped, started again) | 12 | 77 | 77 | 0 | 6 (2 printed) |"
        in text
    )
    assert text.count("\n- ") == 1 and "no poll runs without Redis" in text
