"""The report as one self-contained HTML page: the verdict, the chart inline (base64 PNG),
then the tables.

Every name is html.escape'd; nothing is loaded from elsewhere.
"""

from __future__ import annotations

import base64
import html

from cli.report_tables import Section

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; font-size: 0.9em; margin-bottom: 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f3f3f3; }
td.name { text-align: left; }
.rejected { color: #a00; font-weight: bold; }
img { max-width: 100%; }
"""


def html_page(
    title: str, notes: list[str], png: bytes, sections: list[Section], rejected: list[str]
) -> str:
    """A complete HTML document: `rejected` (the checker's verdict) first, in red, then
    `notes`, the chart (`png` as a data: URL) and one table per section."""
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
            *(f'<p class="rejected">{html.escape(line)}</p>' for line in rejected),
            *(f"<p>{html.escape(line)}</p>" for line in notes),
            f'<p><img alt="load per node, now and worst" src="data:image/png;base64,{chart}"></p>',
            *(_table(section) for section in sections),
            "</body>",
            "</html>",
            "",
        ]
    )


def _table(section: Section) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in section.headers)
    body = "\n".join(
        "<tr>"
        + "".join(
            f'<td class="name">{html.escape(cell)}</td>'
            if i < section.left
            else f"<td>{html.escape(cell)}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in section.rows
    )
    return (
        f"<h2>{html.escape(section.title)}</h2>\n"
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"
    )
