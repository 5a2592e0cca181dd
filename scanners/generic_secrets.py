"""detect-secrets as a safety net: generic high-entropy and keyword secrets that no Azure-aware
rule explains.  Runs only on files that passed the prefilter and reports only lines that no
other detector already explained.  The adapter is the only module that imports detect-secrets.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

from scanners.classifier import Classification, classify
from scanners.evidence import SourceFile
from scanners.file_roles import role_for
from scanners.fingerprint import Fingerprinter
from scanners.items import item_from_classification
from scanners.keywords import GENERIC_LINE_KEYWORDS
from scanners.line_scanner import candidate_lines
from scanners.placeholders import is_placeholder, is_reference
from scanners.records import (
    Confidence,
    ConnectionStringAuditItem,
    CredentialKind,
    Endpoint,
    FileLocation,
    ServiceType,
    ValueClass,
)
from scanners.service_catalog import facts
from scanners.third_party import vendor_of_token_type
from scanners.value_filters import STAND_IN_REASONS, not_a_secret

_READY = False
MAX_LINE = 2000


def _configure() -> None:
    global _READY
    if _READY:
        return
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.settings import get_settings

    settings = get_settings()
    plugin_classes: dict[str, Any] = dict(get_mapping_from_secret_type_to_class())
    settings.configure_plugins([{"name": c.__name__} for c in plugin_classes.values()])
    # Files are handed over as text, so the "is this a real file" filter must not run; and
    # secrets are never verified against live services (that would send them over the network).
    settings.disable_filters(
        "detect_secrets.filters.common.is_invalid_file",
        "detect_secrets.filters.common.is_ignored_due_to_verification_policies",
    )
    _READY = True


def scan(
    source: SourceFile, fp: Fingerprinter, explained_lines: set[int]
) -> Iterator[ConnectionStringAuditItem]:
    _configure()
    wanted = set(candidate_lines(source, GENERIC_LINE_KEYWORDS)) - explained_lines
    if not wanted:
        return
    role = role_for(source.path)
    generic = facts(ServiceType.GENERIC)
    third_party = facts(ServiceType.THIRD_PARTY)
    reported: set[tuple[int, str]] = set()
    for secret in _detect(source, sorted(wanted)):
        line = int(secret.line_number)
        value = secret.secret_value or ""
        if line in explained_lines or not value or is_placeholder(value) or is_reference(value):
            continue
        by_shape = secret.type != "Secret Keyword" and "High Entropy" not in secret.type
        why = not_a_secret(source.line_text(line), value, by_shape)
        if why is not None and why not in STAND_IN_REASONS:
            continue  # metadata or a name: no connection at all
        known = _classified_otherwise(value)
        if known is not None:
            # The classifier decides every value's class: one value, one class across a scan.
            yield item_from_classification(
                known,
                FileLocation(path=str(source.path), line=line),
                role,
                f"detect-secrets:{secret.type}",
                fp,
                None,
            )
            continue
        fingerprint = fp.fingerprint(value)
        if (line, fingerprint) in reported:
            continue
        reported.add((line, fingerprint))
        # A vendor's token found by its shape (Stripe, SendGrid, Twilio) is a third-party secret.
        service = third_party if vendor_of_token_type(secret.type) is not None else generic
        yield ConnectionStringAuditItem(
            location=FileLocation(path=str(source.path), line=line),
            service_type=service.service,
            can_use_managed_identity=service.can_use_managed_identity,
            recommended_replacement=service.replacement,
            credential_kind=CredentialKind.GENERIC_SECRET,
            # A stand-in (a test fake, the base64 of a filler word) still marks a slot to inventory.
            value_class=ValueClass.SECRET if why is None else ValueClass.PLACEHOLDER,
            evidence_role=role,
            endpoint=Endpoint(),
            redacted_preview=f"{secret.type}: ***",
            detector=f"detect-secrets:{secret.type}",
            confidence=Confidence.LOW,
            fingerprint=fingerprint,
        )


def _classified_otherwise(value: str) -> Classification | None:
    """The classifier's answer when it knows `value` and does not call it a secret (a connection
    string whose key is a placeholder, a published emulator key); else None."""
    if "=" not in value and "://" not in value and len(value) < 60:
        return None
    c = classify(value.strip().rstrip("\\\"';"))
    return c if c is not None and c.value_class is not ValueClass.SECRET else None


class _PluginGates:
    """Which detect-secrets plugins can find anything on a line, decided by tests that are
    necessary conditions of each plugin's own patterns (so skipping the others changes nothing):

    - regex plugins (`RegexBasedDetector`: tokens of AWS, GitHub, Slack, private keys, ...) yield
      only where one of their `denylist` patterns matches: a bare `search` of each pattern (C
      speed) says whether the plugin's own pipeline needs to run, and a pattern that starts with
      a case-sensitive literal (`AKIA`, `-----BEGIN`, `eyJ`, ...) is searched only on lines that
      hold that literal;
    - the high-entropy plugins match quoted strings only (`(['"])[charset]+\\1`, eager search off);
    - the keyword plugin's patterns all contain a word of its DENYLIST, each of which contains
      one of KEYWORD_STEMS (matched case-insensitively, so the test is on the case-folded line).
    Anything else (a plugin this does not know) always runs.
    """

    KEYWORD_STEMS = ("key", "pass", "pwd", "secret", "contrase")

    def __init__(self, plugins: list[Any]) -> None:
        from detect_secrets.plugins.base import RegexBasedDetector
        from detect_secrets.plugins.high_entropy_strings import HighEntropyStringsPlugin
        from detect_secrets.plugins.keyword import KeywordDetector

        self.always: list[Any] = []
        self.regex: list[tuple[Any, tuple[tuple[str, Callable[[str], Any]], ...]]] = []
        self.quoted: list[Any] = []
        self.keyword: list[Any] = []
        for plugin in plugins:
            if isinstance(plugin, RegexBasedDetector):
                self.regex.append((plugin, tuple((_literal_prefix(r), r.search) for r in plugin.denylist)))
            elif isinstance(plugin, HighEntropyStringsPlugin):
                self.quoted.append(plugin)
            elif isinstance(plugin, KeywordDetector):
                self.keyword.append(plugin)
            else:
                self.always.append(plugin)

    def plugins_for(self, line: str) -> list[Any]:
        out = list(self.always)
        if self.quoted and ('"' in line or "'" in line):
            out += self.quoted
        if self.keyword:
            folded = line.casefold()
            if any(stem in folded for stem in self.KEYWORD_STEMS):
                out += self.keyword
        out += [
            plugin
            for plugin, searches in self.regex
            if any(search(line) for prefix, search in searches if prefix in line)
        ]
        return out


def _literal_prefix(regex: re.Pattern[str]) -> str:
    """The literal text every match of `regex` starts with ("" when there is none, or when the
    pattern ignores case or is verbose); `"" in line` is always true, so "" gates nothing."""
    if regex.flags & (re.IGNORECASE | re.VERBOSE):
        return ""
    from re import _constants, _parser  # type: ignore[attr-defined]

    try:
        ops = list(_parser.parse(regex.pattern, regex.flags))
    except Exception:  # noqa: BLE001 - any doubt: no gate
        return ""
    prefix = []
    for op, arg in ops:
        if op is not _constants.LITERAL:
            break
        prefix.append(chr(arg))
    return "".join(prefix) if len(prefix) >= 2 else ""


@cache
def _gates() -> _PluginGates:
    from detect_secrets.settings import get_plugins

    return _PluginGates(list(get_plugins()))


def _detect(source: SourceFile, wanted: list[int]) -> Iterator[Any]:
    """detect-secrets' per-line pipeline (plugins and filters), run on the wanted lines only.

    Same verdicts as `detect_secrets.core.scan._process_line_based_plugins` (pinned 1.5.0), in a
    cheaper order: the filters are pure predicates, so the plugins run first and the line,
    secret and context filters only for what a plugin found.  Most keyword lines yield nothing,
    and detect-secrets would pay every line filter on each of them.
    """
    from detect_secrets.core.scan import _is_filtered_out
    from detect_secrets.util.code_snippet import get_code_snippet

    lines = source.text.split("\n")
    filename = str(source.path)
    gates = _gates()
    for line_number in wanted:
        line = lines[line_number - 1].rstrip()
        if len(line) > MAX_LINE:
            continue
        snippet = get_code_snippet(lines=lines, line_number=line_number)
        # Called directly: detect-secrets' own dispatcher inspects signatures on every call,
        # which cost more than the plugins themselves.
        found = [
            (plugin, secret)
            for plugin in gates.plugins_for(line)
            for secret in plugin.analyze_line(
                filename=filename, line=line, line_number=line_number, context=snippet
            )
        ]
        if not found or _is_filtered_out(
            required_filter_parameters=["line"], filename=filename, line=line, context=snippet
        ):
            continue
        for plugin, secret in found:
            if _is_filtered_out(
                required_filter_parameters=["secret"],
                filename=secret.filename,
                secret=secret.secret_value,
                plugin=plugin,
                line=line,
            ):
                continue
            if not _is_filtered_out(
                required_filter_parameters=["context"],
                filename=secret.filename,
                secret=secret.secret_value,
                plugin=plugin,
                line=line,
                context=snippet,
            ):
                yield secret
