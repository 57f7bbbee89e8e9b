"""The report as one self-contained HTML page: the chart inline (base64 PNG), then the table.

Every name is html.escape'd; nothing is loaded from elsewhere.
"""

from __future__ import annotations

import base64
import html

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f3f3f3; }
td:nth-child(-n+2) { text-align: left; }
img { max-width: 100%; }
"""


def html_page(
    title: str, status: str, headers: list[str], rows: list[list[str]], png: bytes
) -> str:
    """A complete HTML document; `png` is embedded as a data: URL."""
    chart = base64.b64encode(png).decode("ascii")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            '<head><meta charset="utf-8">',
            f"<title>{html.escape(title)}</title>",
            f"<style>{_STYLE}</style></head>",
            "<body>",
            f"<h1>{html.escape(title)}</h1>",
            f"<p>{html.escape(status)}</p>",
            f'<p><img alt="load per node, now and worst" src="data:image/png;base64,{chart}"></p>',
            _table(headers, rows),
            "</body>",
            "</html>",
            "",
        ]
    )


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"
