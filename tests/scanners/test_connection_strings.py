"""Properties of connection-string parsing (`scanners.connection_strings`), checked with hypothesis.

`Key=Value;` strings written with the quoting rules of ADO.NET / ODBC (plain, "double", 'single'
with the quote doubled inside, {braces} with `}}` inside) read back as the same pairs, in order;
URIs give back their user, password and host; and no text at all makes a parser raise.
"""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import example, given, settings
from hypothesis import strategies as st

from scanners.connection_strings import ParsedConnection, parse_connection, parse_key_values, parse_uri

FAST = settings(max_examples=100, deadline=None)

keys = st.from_regex(r"\A[A-Za-z][A-Za-z0-9_.\-]{0,12}( [A-Za-z0-9_.\-]{1,8})?\Z")
# Often made of the characters that quoting is about, so the rules get exercised.
tricky = st.text(alphabet=";\"'{}= aZ9", max_size=12)
any_values = st.one_of(st.text(st.characters(codec="utf-8"), max_size=20), tricky)
# A plain value: no separator, no surrounding blanks, and no quote or brace as its first character
# (there it would open a quoted value); quotes, braces and `=` further in are plain characters.
plain_values = any_values.filter(
    lambda v: ";" not in v and v == v.strip() and not v.startswith(('"', "'", "{"))
)


@st.composite
def written_value(draw: st.DrawFn) -> tuple[str, str]:
    """(how the value is written, the value it stands for)."""
    style = draw(st.sampled_from(["plain", "double", "single", "brace"]))
    if style == "plain":
        value = draw(plain_values)
        return value, value
    value = draw(any_values.filter(lambda v: v == v.strip() or style == "brace"))
    if style == "double":
        return '"' + value.replace('"', '""') + '"', value
    if style == "single":
        return "'" + value.replace("'", "''") + "'", value
    return "{" + value.replace("}", "}}") + "}", value


pair_lists = st.lists(st.tuples(keys, written_value()), min_size=1, max_size=6)


@FAST
@given(pair_lists, st.sampled_from([";", "; "]), st.booleans())
@example([("Password", ('"a;b""c"', 'a;b"c'))], ";", True)
@example([("Pwd", ("{x}};y}}z}", "x};y}z"))], ";", False)
@example([("Password", ('ab="cd', 'ab="cd'))], ";", True)  # a quote inside a value is not quoting
def test_key_values_round_trip(pairs: list[tuple[str, tuple[str, str]]], sep: str, trailing: bool) -> None:
    text = sep.join(f"{key}={written}" for key, (written, _) in pairs) + (";" if trailing else "")
    parsed = parse_key_values(text)
    assert parsed is not None
    assert parsed.form == "kv"
    assert list(parsed.pairs) == [(key, value) for key, (_, value) in pairs]
    if ";" in text:
        assert parse_connection(text) == parsed
    last_key, (_, last_value) = pairs[-1]
    # get() compares keys case- and space-insensitively (`Account Key` is `AccountKey`).
    if last_key.lower().replace(" ", "") not in {k.lower().replace(" ", "") for k, _ in pairs[:-1]}:
        assert parsed.get(last_key.upper()) == last_value


userinfo = st.text(st.characters(codec="utf-8"), min_size=1, max_size=16)
hosts = st.from_regex(r"\A[a-z][a-z0-9\-]{0,10}(\.[a-z][a-z0-9\-]{0,10}){0,3}\Z")


@FAST
@given(
    st.sampled_from(["postgresql", "mysql", "mongodb", "rediss", "amqps"]),
    userinfo,
    userinfo,
    hosts,
    st.none() | st.integers(1, 65535),
)
def test_uri_round_trip(scheme: str, user: str, password: str, host: str, port: int | None) -> None:
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}" + (f":{port}" if port else "")
    parsed = parse_uri(f"{scheme}://{netloc}/db?sslmode=require")
    assert parsed is not None
    assert (parsed.scheme, parsed.username, parsed.password, parsed.host, parsed.port) == (
        scheme,
        user,
        password,
        host,
        port,
    )
    assert parsed.get("sslmode") == "require"


connection_ish = st.text(alphabet="=;'\"{} ,:/@?&%[]abAB01\\\n", max_size=60)
prefixes = st.sampled_from(
    ["", "jdbc:sqlserver://", "postgresql://", "rediss://", "jdbc:", "host=", "h:6380,"]
)


@settings(max_examples=250, deadline=None)
@given(prefixes, st.one_of(st.text(max_size=60), connection_ish))
def test_no_text_makes_the_parser_raise(prefix: str, text: str) -> None:
    parsed = parse_connection(prefix + text)
    assert parsed is None or isinstance(parsed, ParsedConnection)
    if parsed is not None:
        parsed.keys()
        parsed.get("password", "pwd")
