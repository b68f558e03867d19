"""Figures of the programs quasi is measured against, read from ../shared/ANCHORS.md."""
import re
from pathlib import Path

import quasi_corpora


def anchors_path() -> Path:
    root = quasi_corpora.shared_dir()
    if root is None:
        raise click_error("no shared directory found (set QUASI_CORPORA)")
    return root.parent / "ANCHORS.md"


def click_error(msg):
    import click
    return click.ClickException(msg)


def _table_after(text: str, heading: str):
    """Rows (list of cells) of the first Markdown table after a heading."""
    start = text.index(heading)
    rows = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not set("".join(cells)) <= set("-: "):
                rows.append(cells)
        elif rows:
            break
    return rows


def _int(cell):
    cell = cell.replace(",", "")
    return int(cell) if re.fullmatch(r"\d+", cell) else None


def reference_by_mode():
    """{corpus name: {mode: reference output bytes}} (modes multi, fib, period5, none)."""
    rows = _table_after(anchors_path().read_text(), "## Reference by tiling mode")
    header = rows[0]
    out = {}
    for row in rows[1:]:
        out[row[0]] = {mode.split()[0]: _int(v) for mode, v in zip(header[2:], row[2:])
                       if _int(v) is not None}
    return out
