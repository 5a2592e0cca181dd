"""Properties of redacted previews (`scanners.redaction`), checked with hypothesis.

The redaction rule is an allow-list: a value is shown only under a key of `SHOWN_KEYS` and only up
to 120 characters; every other value becomes `***` (or stays empty), and a URI's password is always
`***`.  So a preview is a function of the shown parts alone: two connections that differ only in
their hidden values have the same preview (nothing leaks, not even a length), and no 4-character
piece of a hidden value ever appears in it.  The classifier's previews keep the same promise.
"""

from __future__ import annotations

import base64
from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st

from scanners import redaction
from scanners.classifier import classify
from scanners.connection_strings import ParsedConnection
from scanners.records import ValueClass

FAST = settings(max_examples=80, deadline=None)
WINDOW = 4

shown_keys = st.sampled_from(sorted(redaction.SHOWN_KEYS))
hidden_keys = st.one_of(
    st.sampled_from(
        [
            "AccountKey",
            "Password",
            "Pwd",
            "SharedAccessKey",
            "SharedAccessSignature",
            "AccessKey",
            "Secret",
            "sig",
            "Id",
            "ApiKey",
        ]
    ),
    st.from_regex(r"\A[a-z][a-z_]{2,12}\Z").filter(lambda k: k not in redaction.SHOWN_KEYS),
)
# Shown values use lower-case letters, digits and `.-:/`; hidden ones are drawn from characters no
# key and no shown value uses, so a piece of one found in a preview can only have come from it.
shown_values = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789.-:/", max_size=30)
hidden_values = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ+!#^~", min_size=WINDOW, max_size=150)
long_shown_values = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ+!#^~", min_size=121, max_size=160)


Conn = tuple[list[tuple[str, str]], list[tuple[str, str]], list[str], list[tuple[str, str]]]


@st.composite
def connections(draw: st.DrawFn) -> Conn:
    """Two pair lists with the same keys and shown values and independent hidden values, the
    hidden values of both, and the shown pairs."""
    a: list[tuple[str, str]] = []
    b: list[tuple[str, str]] = []
    hidden: list[str] = []
    shown: list[tuple[str, str]] = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["shown", "hidden", "shown-but-long", "hidden-empty"]))
        if kind == "shown":
            key, value = draw(shown_keys), draw(shown_values)
            a.append((key, value))
            b.append((key, value))
            shown.append((key, value))
            continue
        key = draw(shown_keys if kind == "shown-but-long" else hidden_keys)
        if kind == "hidden-empty":
            a.append((key, ""))
            b.append((key, ""))
            continue
        values = long_shown_values if kind == "shown-but-long" else hidden_values
        va, vb = draw(values), draw(values)
        a.append((key, va))
        b.append((key, vb))
        hidden += [va, vb]
    return a, b, hidden, shown


def _windows(value: str) -> set[str]:
    return {value[i : i + WINDOW] for i in range(len(value) - WINDOW + 1)}


def _assert_hidden(preview: str, hidden: list[str]) -> None:
    for value in hidden:
        assert not _windows(value) & _windows(preview), "a piece of a hidden value is in the preview"


@FAST
@given(connections(), st.none() | st.integers(1, 65535))
def test_kv_libpq_and_redis_previews_depend_only_on_shown_values(conn: Conn, port: int | None) -> None:
    a, b, hidden, shown = conn
    pa, pb = ParsedConnection("kv", tuple(a)), ParsedConnection("kv", tuple(b))
    ra = ParsedConnection("redis", tuple(a), host="cache.example", port=port)
    rb = ParsedConnection("redis", tuple(b), host="cache.example", port=port)
    previews = [
        (redaction.preview_pairs(pa), redaction.preview_pairs(pb)),
        (redaction.preview_libpq(pa), redaction.preview_libpq(pb)),
        (redaction.preview_redis(ra), redaction.preview_redis(rb)),
    ]
    for one, other in previews:
        assert one == other
        assert len(one) <= redaction.MAX_PREVIEW
        _assert_hidden(one, hidden)
    if sum(len(k) + len(v) + 1 for k, v in a) < 100:  # short enough not to be clipped
        for key, value in shown:
            assert f"{key}={value}" in previews[0][0]
        assert previews[0][0].count(redaction.MASK) == sum(1 for v in hidden if v) // 2


@FAST
@given(connections(), hidden_values, hidden_values, st.sampled_from(["uri", "jdbc"]))
def test_uri_previews_hide_the_password_and_hidden_values(
    conn: Conn, pw_a: str, pw_b: str, form: str
) -> None:
    a, b, hidden, _ = conn
    ua, ub = (
        ParsedConnection(
            form,
            tuple(pairs),
            scheme="postgresql",
            host="db.example",
            port=5432,
            path="/orders",
            username="app",
            password=pw,
            query=tuple(pairs),
        )
        for pairs, pw in ((a, pw_a), (b, pw_b))
    )
    one, other = redaction.preview_uri(ua), redaction.preview_uri(ub)
    assert one == other
    assert one.startswith(("postgresql://app:***@db.example:5432/orders", "jdbc:postgresql://app:***@"))
    _assert_hidden(one, [*hidden, pw_a, pw_b])


# Secrets the classifier must call secret: long enough and varied enough to be no placeholder.
account_keys = (
    st.binary(min_size=64, max_size=64)
    .filter(lambda b: len(set(b)) > 16)
    .map(lambda b: base64.b64encode(b).decode())
)
passwords = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ23456789+!#^~", min_size=12, max_size=40).filter(
    lambda p: len(set(p)) > 6
)

TEMPLATES = {
    "storage": "DefaultEndpointsProtocol=https;AccountName=contosodata;AccountKey={};EndpointSuffix=core.windows.net",
    "service-bus": "Endpoint=sb://orders-bus.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={}",
    "sql": "Server=tcp:orders-sql.database.windows.net,1433;Initial Catalog=orders;User ID=app;Password={};",
    "postgresql-uri": "postgresql://app:{}@orders-pg.postgres.database.azure.com:5432/orders?sslmode=require",
    "redis": "orders.redis.cache.windows.net:6380,password={},ssl=True,abortConnect=False",
    "libpq": "host=orders-pg.postgres.database.azure.com port=5432 dbname=orders user=app password={} sslmode=require",
}


@FAST
@given(st.sampled_from(sorted(TEMPLATES)), st.data())
def test_classifier_previews_keep_the_promise(template: str, data: st.DataObject) -> None:
    secrets = account_keys if template in ("storage", "service-bus") else passwords
    one, other = data.draw(secrets), data.draw(secrets)
    written = (quote(one, safe=""), quote(other, safe="")) if template.endswith("uri") else (one, other)
    ca, cb = (classify(TEMPLATES[template].format(w)) for w in written)
    assert ca is not None and cb is not None
    assert ca.value_class is cb.value_class is ValueClass.SECRET  # the planted secret was found
    assert ca.redacted_preview == cb.redacted_preview
    assert redaction.MASK in ca.redacted_preview
    for secret, c in ((one, ca), (other, cb)):
        assert secret not in repr(c)
        assert secret[:8] not in c.redacted_preview and secret[-8:] not in c.redacted_preview


# Issue 14, item 4: a shown value (an `*Endpoint`, a host) is cleaned too, whatever its setting name.
userinfo_passwords = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ+!#^~/?", min_size=WINDOW, max_size=40)


@FAST
@given(shown_keys, hidden_values, userinfo_passwords, hidden_keys)
def test_shown_values_never_show_a_userinfo_password_or_a_hidden_query_part(
    key: str, sig: str, password: str, query_key: str
) -> None:
    value = f"https://svc:{password}@host.example/path?sv=2022-11-02&{query_key}={sig}"
    preview = redaction.preview_pairs(ParsedConnection("kv", ((key, value),)))
    _assert_hidden(preview, [sig, password])
    assert "https://svc:***@" in preview or redaction.MASK == preview.partition("=")[2]


SIG = "CANARYsig" + "Zq9Yx8Wv7Ut6Sr5Qp4On3Ml2Kj1Ih0GfEd%2BCbAz12%3D"
USERINFO_PW = "CANARYpw" + "Summer2024!"
KEY = "CANARYkey" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ98765432+/Qw=="


def test_endpoint_previews_in_scanned_files_hide_signatures_and_passwords() -> None:
    from scanners.fingerprint import Fingerprinter
    from tests.conftest import TEST_KEY, scan_text

    values = {
        "Queue": f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={KEY};"
        f"QueueEndpoint=https://acct.queue.core.windows.net/?sig={SIG}",
        "Config": f"Endpoint=https://svc:{USERINFO_PW}@contoso-appcs.azconfig.io;Id=abc;Secret={KEY}",
        "Sas": f"BlobEndpoint=https://acct.blob.core.windows.net/?sv=2022-11-02&ss=b&srt=co&sp=r&sig={SIG}",
    }
    text = "{\n" + ",\n".join(f'  "{k}": "{v}"' for k, v in values.items()) + "\n}\n"
    items = scan_text("appsettings.json", text)
    fp = Fingerprinter(TEST_KEY)
    found = {i.fingerprint for i in items if i.value_class is ValueClass.SECRET}
    assert fp.fingerprint(KEY) in found  # the account key and the App Configuration secret
    assert fp.fingerprint(SIG) in found  # `BlobEndpoint=...&sig=...` is a SAS: detected at all
    assert len(items) >= 3
    for item in items:
        for secret in (SIG, USERINFO_PW, KEY):
            assert secret not in item.redacted_preview and secret[:12] not in item.redacted_preview
    previews = " ".join(i.redacted_preview for i in items)
    assert "QueueEndpoint=https://acct.queue.core.windows.net/?sig=***" in previews
    assert "Endpoint=https://svc:***@contoso-appcs.azconfig.io" in previews


def test_a_key_under_a_shown_name_is_masked() -> None:
    parsed = ParsedConnection("kv", (("AccountName", KEY[9:60]), ("EndpointSuffix", "core.windows.net")))
    assert redaction.preview_pairs(parsed) == "AccountName=***;EndpointSuffix=core.windows.net"
