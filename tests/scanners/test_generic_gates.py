"""The gated detect-secrets pipeline (scanners/generic_secrets.py) finds exactly what
detect-secrets' own line pipeline finds: the gates only skip plugins that cannot fire, and the
filters, being pure, may run after the plugins.  Checked against detect-secrets' own
`_process_line_based_plugins` on lines that make every plugin fire, on near misses, and on random
mixtures of their fragments."""

from __future__ import annotations

from pathlib import PurePosixPath

from hypothesis import given, settings
from hypothesis import strategies as st

from scanners import generic_secrets
from scanners.evidence import SourceFile

# Made-up values shaped like each plugin's tokens (none is a real credential).
FIRING = (
    'password = "Zx9-made-up-Pw-7781"',
    "db_pass: 'Qq81-invented-4431'",
    'token = "AKIAZZZZZZZZZZZZZZZZ"',
    'aws_secret = "' + "Ab1/" * 10 + '"',
    "conn = 'DefaultEndpointsProtocol=https;AccountKey=" + "A1b2" * 22 + "'",
    "url = 'https://someuser:n0tAPassw0rd@example.invalid/path'",
    "-----BEGIN RSA PRIVATE KEY-----",
    "jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLW1hZGUtdXA'",
    "gh = 'ghp_" + "a1B2" * 9 + "'",
    "glpat-" + "x1Y2" * 6,
    "slack = 'xoxb-123456789012-abcdefghij'",
    "stripe = 'sk_live_" + "a1B2c3D4" * 3 + "'",
    "sg = 'SG." + "a" * 22 + "." + "b" * 43 + "'",
    "twilio = 'AC" + "a1" * 16 + "'",
    "npm = '//registry.example.invalid/:_authToken=npm_abcdef'",
    "hex = '8c1f4e9a27b35d60f9e2a7c3481be905d2f6b1c4'",
    "b64 = 'q7Vt2pXe9LmR4sKw0ZyB8nHj3GdF6aUc1oIvQ5'",
    "ip = 8.8.4.4",
    "key = '" + "Qk" * 20 + "'",
)
NEAR_MISSES = (
    "#define KEY_PASSWORD_LEN 32",
    "key_size = 2048",
    "// secret handshake, see RFC",
    "AC = 1  # not a Twilio key",
    "x = '://'",
    "BEGIN PUBLIC KEY",
    "pwd",
)


def _reference(lines: list[str]) -> set[tuple[int, str, str]]:
    from detect_secrets.core.scan import _process_line_based_plugins

    generic_secrets._configure()
    return {
        (s.line_number, s.type, s.secret_hash)
        for s in _process_line_based_plugins(list(enumerate(lines, 1)), "settings.cfg")
    }


def _gated(lines: list[str]) -> set[tuple[int, str, str]]:
    generic_secrets._configure()
    source = SourceFile(PurePosixPath("settings.cfg"), "\n".join(lines))
    return {
        (s.line_number, s.type, s.secret_hash)
        for s in generic_secrets._detect(source, list(range(1, len(lines) + 1)))
    }


def test_every_plugin_family_fires_and_the_gates_change_nothing() -> None:
    lines = [*FIRING, *NEAR_MISSES]
    reference = _reference(lines)
    types = {t for _, t, _ in reference}
    assert len(types) >= 14 and any("High Entropy" in t for t in types), (
        types
    )  # the fixture really exercises the plugins
    assert _gated(lines) == reference


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from([*FIRING, *NEAR_MISSES, " ", "=", '"', "'", ":", "AKC", "abc123"]),
        min_size=1,
        max_size=6,
    )
)
def test_mixtures_of_fragments_give_the_same_findings(parts: list[str]) -> None:
    lines = ["".join(parts), " ".join(parts), *parts]
    assert _gated(lines) == _reference(lines)
