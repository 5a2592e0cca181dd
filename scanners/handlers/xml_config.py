"""XML configuration: web.config, app.config, `*.config` (including Web.*.config transforms),
publish profiles (`*.pubxml`), App Service publishing profiles (`*.PublishSettings`: `userPWD`) and
Settings.settings.

Parsed with defusedxml's SAX reader, so entity expansion, external entities and DTD tricks are
refused instead of expanded.  Reads:

- `<connectionStrings><add name="X" connectionString="..."/>` → setting `ConnectionStrings:X`
- `<appSettings><add key="X" value="..."/>` (any `<add key= value=>`) → setting `X`
- `<setting name="X"><value>...</value></setting>` → setting `X`
- any other leaf element text or attribute, named after its element or attribute.
"""

from __future__ import annotations

import re
import xml.sax
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import AttributesImpl, Locator

import defusedxml
import defusedxml.sax

from scanners.evidence import Evidence, HostileInput, MalformedInput, SourceFile
from scanners.records import EvidenceRole

MAX_TEXT = 16384
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_ENCODING_RE = re.compile(r"""\s+encoding\s*=\s*["'][^"']*["']""", re.I)

# Attributes that are structure or names, never values worth classifying.
STRUCTURAL_ATTRS = frozenset(
    {
        "name",
        "key",
        "providername",
        "type",
        "xmlns",
        "serializeas",
        "xdt:transform",
        "xdt:locator",
        "version",
        "targetframework",
        "path",
        "verb",
        "modules",
        "resourcetype",
        "requireaccess",
        "preprocessorflags",
        "id",
        "generatedclassnamespace",
        "generatedclassname",
        "profile",
        "mode",
        "enabled",
        "configsource",
        "lockitem",
        "xml:space",
    }
)


class _Collector(ContentHandler):
    def __init__(self, source: SourceFile) -> None:
        super().__init__()
        self.source = source
        self.locator: Locator | None = None
        self.found: list[Evidence] = []
        # Stack of [tag, start line, text parts, had child, setting name for <value>]
        self.stack: list[list[Any]] = []
        self.setting_name: str | None = None

    def setDocumentLocator(self, locator: Locator) -> None:
        self.locator = locator

    def _line(self) -> int:
        return (self.locator.getLineNumber() if self.locator else 1) or 1

    def _attr_line(self, tag_line: int, attr: str) -> int:
        """The line an attribute sits on: tags often spread attributes over several lines."""
        if tag_line < 1:
            return 1
        text = self.source.text
        self.source.line_of(0)
        starts = self.source._line_starts
        if starts is None or tag_line > len(starts):
            return tag_line
        start = starts[tag_line - 1]
        m = re.compile(r"(?<![\w:.-])" + re.escape(attr) + r"\s*=").search(text, start, start + 8192)
        if not m:
            return tag_line
        line = self.source.line_of(m.start())
        return line if line - tag_line <= 50 else tag_line

    def _emit(self, line: int, name: str | None, value: str, method: str, slot: bool = False) -> None:
        # An empty named slot (`<add key="ClientSecret" value="" />`) is still a connection to
        # inventory: the classifier reports it as a placeholder when its name says what it holds.
        if (not value.strip() and not (slot and name)) or len(value) > MAX_TEXT:
            return
        self.found.append(
            Evidence(line=line, role=EvidenceRole.CONFIG_VALUE, name=name, value=value, method=method)
        )

    def startElement(self, tag: str, attrs: AttributesImpl) -> None:
        line = self._line()
        if self.stack:
            self.stack[-1][3] = True
        local = tag.rsplit(":", 1)[-1].lower()
        names = {k.lower(): k for k in attrs.getNames()}
        handled: set[str] = set()
        if local == "add":
            if "connectionstring" in names and "name" in names:
                attr = names["connectionstring"]
                self._emit(
                    self._attr_line(line, attr),
                    f"ConnectionStrings:{attrs.getValue(names['name'])}",
                    attrs.getValue(attr),
                    "connection-string",
                    slot=True,
                )
                handled.add("connectionstring")
            if "key" in names and "value" in names:
                attr = names["value"]
                self._emit(
                    self._attr_line(line, attr),
                    attrs.getValue(names["key"]),
                    attrs.getValue(attr),
                    "app-setting",
                    slot=True,
                )
                handled.add("value")
        for low, attr in names.items():
            if low in handled or low in STRUCTURAL_ATTRS or low.startswith("xmlns"):
                continue
            value = attrs.getValue(attr)
            if len(value) < 6:
                continue
            owner = attrs.getValue(names["name"]) if "name" in names else None
            self._emit(self._attr_line(line, attr), owner or attr, value, "attribute")
        setting = attrs.getValue(names["name"]) if local == "setting" and "name" in names else None
        self.stack.append([tag, line, [], False, setting])

    def characters(self, content: str) -> None:
        if self.stack:
            frame = self.stack[-1]
            if frame[3]:
                return  # mixed content: only leaf elements' text is read
            if not frame[2] and content.strip():
                frame[1] = self._line()
            if len(frame[2]) < 64:
                frame[2].append(content)

    def endElement(self, tag: str) -> None:
        tag_, line, parts, had_child, _ = self.stack.pop()
        if had_child or not parts:
            return
        text = "".join(parts).strip()
        local = tag_.rsplit(":", 1)[-1]
        name = local
        if local.lower() == "value" and self.stack and self.stack[-1][4]:
            name = self.stack[-1][4]
            method = "setting"
        else:
            method = "element"
        self._emit(line, name, text, method)


def _prepared(text: str) -> bytes:
    """UTF-8 bytes for the parser: the text is already decoded, so drop a declared encoding."""
    m = _XML_DECL_RE.match(text)
    if m:
        decl = _ENCODING_RE.sub("", m.group(0))
        text = text[: m.start()] + decl + text[m.end() :]
    return text.encode("utf-8", errors="replace")


def parse_evidence(source: SourceFile) -> list[Evidence]:
    collector = _Collector(source)
    try:
        defusedxml.sax.parseString(
            _prepared(source.text), collector, forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
    except defusedxml.DefusedXmlException as exc:
        raise HostileInput(f"hostile XML: DTD/entities are not allowed ({type(exc).__name__})") from None
    except xml.sax.SAXParseException as exc:
        raise MalformedInput(f"not well-formed XML near line {exc.getLineNumber()}") from None
    except xml.sax.SAXException:
        raise MalformedInput("not well-formed XML") from None
    return collector.found


class XmlConfigHandler:
    name = "xml-config"

    def matches(self, path: PurePosixPath) -> bool:
        n = path.name.lower()
        return n.endswith((".config", ".pubxml", ".settings", ".publishsettings")) and n != ".settings"

    def scan(self, source: SourceFile) -> Iterator[Evidence]:
        head = source.text.lstrip("\ufeff \t\r\n")
        if not head.startswith("<"):
            return  # e.g. an INI-style *.config: left to the line scanner
        yield from parse_evidence(source)
