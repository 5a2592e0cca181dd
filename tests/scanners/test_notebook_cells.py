"""Values in notebook code cells and in HTML pages that show code: a notebook saved on one line,
Scala cells (`"name" -> "value"`), and the entity-escaped code of a rendered notebook."""

from __future__ import annotations

import base64
import hashlib
import json
import time

from scanners.file_scan import scan_bytes
from scanners.fingerprint import Fingerprinter
from scanners.handlers.html_pages import shown_text
from scanners.handlers.map_pairs import with_colon_pairs
from scanners.records import FileLocation, ServiceType, ValueClass
from tests.conftest import TEST_KEY

# A fake Cosmos DB key: the shape of one (64 bytes, base64), made from a fixture seed.
FAKE_KEY = base64.b64encode(hashlib.sha512(b"notebook-cell-fixture").digest()).decode()
ENDPOINT = "https://orders-nb.documents.azure.com:443/"


def _notebook(cells: list[str], *, one_line: bool) -> bytes:
    cells = ["from azure.cosmos import CosmosClient\n", *cells]
    doc = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Orders\n"]},
            *(
                {
                    "cell_type": "code",
                    "execution_count": 1,
                    "metadata": {},
                    "outputs": [],
                    "source": cell.splitlines(keepends=True),
                }
                for cell in cells
            ),
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 2,
    }
    return json.dumps(doc, indent=None if one_line else 1).encode()


def _cosmos_secrets(rel: str, data: bytes) -> list[tuple[int, str]]:
    out = scan_bytes(rel, data, Fingerprinter(TEST_KEY), generic=False)
    found = [
        (i.location.line, i.setting_name or "")
        for i in out.items
        if isinstance(i.location, FileLocation)
        and i.service_type is ServiceType.COSMOS_DB
        and i.value_class is ValueClass.SECRET
    ]
    text = json.dumps([i.to_json() for i in out.items])
    assert FAKE_KEY not in text  # previews hold names, never values
    return found


PYTHON_CELL = (
    f'config = {{\n"Endpoint" : "{ENDPOINT}",\n"Masterkey" : "{FAKE_KEY}",\n"Database" : "orders",\n}}\n'
)
SCALA_CELL = f'val config = Map(\n"Endpoint" -> "{ENDPOINT}",\n"Masterkey" -> "{FAKE_KEY}",\n"Database" -> "orders"\n)\n'


def test_a_key_in_a_cell_of_a_notebook_saved_on_one_line_is_found_on_line_1() -> None:
    data = _notebook([PYTHON_CELL], one_line=True)
    assert data.count(b"\n") == 0
    assert _cosmos_secrets("nb/orders.ipynb", data) == [(1, "Masterkey")]


def test_a_key_in_a_cell_of_a_pretty_printed_notebook_is_found_on_its_line() -> None:
    data = _notebook([PYTHON_CELL], one_line=False)
    line = next(n for n, text in enumerate(data.decode().splitlines(), 1) if "Masterkey" in text)
    assert _cosmos_secrets("nb/orders.ipynb", data) == [(line, "Masterkey")]


def test_a_key_in_a_scala_map_pair_is_named_by_its_key() -> None:
    data = _notebook([SCALA_CELL], one_line=True)
    assert _cosmos_secrets("nb/orders.ipynb", data) == [(1, "Masterkey")]


def test_arrow_pairs_read_as_colon_pairs_line_for_line() -> None:
    assert with_colon_pairs('"a" -> "b",\n"c"->"d"') == '"a": "b",\n"c": "d"'
    assert with_colon_pairs("x -> y") == "x -> y"  # no quoted name: left alone


def _rendered(cell: str) -> str:
    cell = "from azure.cosmos import CosmosClient\n" + cell
    escaped = cell.replace("&", "&amp;").replace('"', "&quot;").replace(">", "&gt;").replace("<", "&lt;")
    body = "\n".join(f'<span class="s">{line}</span>' for line in escaped.splitlines())
    return f'<html>\n<body>\n<div class="input">\n<pre>{body}\n</pre>\n</div>\n</body>\n</html>\n'


def test_a_key_shown_entity_escaped_in_an_html_page_is_found_on_its_line() -> None:
    for cell in (PYTHON_CELL, SCALA_CELL):
        page = _rendered(cell)
        line = next(n for n, text in enumerate(page.splitlines(), 1) if "Masterkey" in text)
        assert _cosmos_secrets("docs/orders.html", page.encode()) == [(line, "Masterkey")]


def test_shown_text_keeps_lines_and_leaves_out_lines_without_escaped_quotes() -> None:
    page = '<p class="x">plain</p>\n<span>&quot;a&quot; &amp;&amp; &lt;b&gt;</span>\n'
    assert shown_text(page) == '\n"a" && <b>\n'


def test_long_hostile_lines_stay_fast() -> None:
    # A one-line notebook with a huge output and a page of escaped quotes and open tags.
    big_output = {"output_type": "stream", "name": "stdout", "text": ["key = " + "A" * 3_000_000]}
    doc = json.loads(_notebook([PYTHON_CELL], one_line=True))
    doc["cells"][1]["outputs"] = [big_output] * 2
    page = ("&quot;key&quot;: " * 200_000) + ("<" * 500_000) + "\n" + ("&quot;<x" * 300_000) + "\n"
    started = time.monotonic()
    assert _cosmos_secrets("nb/orders.ipynb", json.dumps(doc).encode()) == [(1, "Masterkey")]
    scan_bytes("docs/hostile.html", page.encode(), Fingerprinter(TEST_KEY), generic=False)
    assert time.monotonic() - started < 20  # linear: well under a second each on a quiet machine
