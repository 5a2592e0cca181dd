"""Properties of the tolerant JSON reader (`scanners.json_tokens`), checked with hypothesis.

Whatever `json.dumps` writes, the reader gives back the same tree, the same string values under
the same key paths, with offsets that point at each string's opening quote.  On any text at all it
returns a tree or raises `MalformedInput`, whose message never quotes the input.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scanners.evidence import MalformedInput
from scanners.json_tokens import JArr, JLit, JObj, JStr, JValue, iter_strings, parse

FAST = settings(max_examples=100, deadline=None)

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
dump_options = st.fixed_dictionaries({"ensure_ascii": st.booleans(), "indent": st.none() | st.integers(0, 3)})


def _python(node: JValue | None) -> Any:
    """The Python value of a parsed tree, as `json.loads` would build it."""
    if node is None or isinstance(node, JStr):
        return None if node is None else node.value
    if isinstance(node, JLit):
        return json.loads(node.text)
    if isinstance(node, JArr):
        return [_python(item) for item in node.items]
    assert isinstance(node, JObj)
    return {key: _python(value) for key, _, value in node.pairs}


def _strings(value: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """Every string value of a Python JSON value with its key path, in document order."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, list):
        return [s for i, v in enumerate(value) for s in _strings(v, (*path, str(i)))]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(v, (*path, k))]
    return []


@FAST
@given(json_values, dump_options)
@example(["\U0001f600"], {"ensure_ascii": True, "indent": None})  # a surrogate pair is one character
def test_any_dumped_document_reads_back_the_same(value: Any, options: dict[str, Any]) -> None:
    text = json.dumps(value, **options)
    tree = parse(text)
    assert _python(tree) == json.loads(text) == value
    found = list(iter_strings(tree))
    assert [(path, s.value) for path, s in found] == _strings(value)
    decoder = json.JSONDecoder()
    for _, s in found:
        assert text[s.offset] == '"'
        assert decoder.raw_decode(text, s.offset)[0] == s.value


# Text made mostly of the characters the reader cares about, so that structure is often nearly right.
json_ish = st.text(alphabet="{}[]:,\"'\\/*\n \tu0aZ~", max_size=60)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), json_ish))
def test_any_text_gives_a_tree_or_malformed_input(text: str) -> None:
    try:
        tree = parse(text)
    except MalformedInput:
        return
    for path, s in iter_strings(tree):
        assert all(isinstance(part, str) for part in path)
        assert isinstance(s.value, str)


@FAST
@given(json_ish, st.text(alphabet="QWXZ0123456789", min_size=12, max_size=20))
def test_errors_never_quote_the_input(text: str, marker: str) -> None:
    document = '{"AccountKey": "' + marker + '", ' + text
    try:
        parse(document)
    except MalformedInput as exc:
        assert marker[:4] not in str(exc)


def test_the_properties_above_can_fail() -> None:
    """The tree comparison notices a wrong value (guards against a comparison that is always equal)."""
    tree = parse('{"a": ["x", 1]}')
    assert _python(tree) == {"a": ["x", 1]}
    assert _python(tree) != {"a": ["y", 1]}
    with pytest.raises(MalformedInput):
        parse('{"a": ')
