"""`pkgload cache` output: the cache's location, size, limit and entries, as a table or JSON.

The JSON document's `format` is `pkgload-cache-1`; keys are only ever added
under that name.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from loader.cache_lru import Usage, get_entry_name

CACHE_FORMAT = "pkgload-cache-1"


def usage_to_json(cache: Path, usage: Usage, limit: int) -> dict[str, Any]:
    """Return the cache's state as a JSON document (sizes in bytes, times in epoch seconds)."""
    return {
        "format": CACHE_FORMAT,
        "path": str(cache),
        "size": usage.size,
        "limit": limit,
        "other_size": usage.other_size,
        "entries": [{"kind": e.kind, "name": get_entry_name(e), "file": str(e.path),
                     "size": e.size, "last_used": e.last_used} for e in usage.entries],
    }


def format_size(n: int) -> str:
    """Return n bytes as a short human size: 812 B, 4.2 MiB, 2.0 GiB."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{n} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # not reached


def render_usage(cache: Path, usage: Usage, limit: int) -> None:
    """Print the cache's summary and a table of its entries, most recently used first."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"cache: {cache}", soft_wrap=True)
    console.print(f"size: {format_size(usage.size)} in {len(usage.entries)} entries, "
                  f"limit {format_size(limit)} (PKGLOAD_CACHE_MAX); "
                  f"other files {format_size(usage.other_size)}", soft_wrap=True)
    if not usage.entries:
        return
    table = Table()
    for title, justify in (("kind", "left"), ("name", "left"), ("size", "right"), ("last used", "left")):
        table.add_column(title, justify=justify)  # type: ignore[arg-type]
    for e in usage.entries:
        when = datetime.datetime.fromtimestamp(e.last_used).strftime("%Y-%m-%d %H:%M:%S")
        table.add_row(e.kind, get_entry_name(e), format_size(e.size), when)
    console.print(table)
