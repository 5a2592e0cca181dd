"""xml-config handler."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import PurePosixPath

import pytest

from scanners.evidence import HostileInput, MalformedInput, SourceFile
from scanners.file_scan import scan_bytes
from scanners.fingerprint import Fingerprinter
from scanners.handlers.xml_config import XmlConfigHandler
from scanners.records import ConnectionStringAuditItem, EvidenceRole, ServiceType, SkipReason, ValueClass
from tests.conftest import TEST_KEY, file_location, scan_text
from tests.planted import assert_planted_found

CANARY_KEY = "Qw3rTy7UiOp1AsDfGh2JkLzXcVbNm4QwErTyUiOp5AsDfGhJkL6ZxCvBnMqWeRtY8uIoPaSdFgHjKlZx9CvBnMa=="
CANARY_PW = "Tr0ub4dor-Canary-77x"
CANARY_SB = "Mn4bV6cX8zL1kJ3hG5fD7sA9pO2iU4yT6rE8wQ0aB1c="

WEB_CONFIG = f"""<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <connectionStrings>
    <add name="OrdersDb"
         providerName="System.Data.SqlClient"
         connectionString="Server=tcp:orders-sql.database.windows.net,1433;Initial Catalog=orders;User ID=app;Password={CANARY_PW};" />
  </connectionStrings>
  <appSettings>
    <add key="StorageConnection" value="DefaultEndpointsProtocol=https;AccountName=ordersdata;AccountKey={CANARY_KEY}" />
    <add key="Theme" value="dark-blue-mode" />
  </appSettings>
  <applicationSettings>
    <Orders.Properties.Settings>
      <setting name="BusConnection" serializeAs="String">
        <value>Endpoint=sb://orders-bus.servicebus.windows.net/;SharedAccessKeyName=Send;SharedAccessKey={CANARY_SB}</value>
      </setting>
    </Orders.Properties.Settings>
  </applicationSettings>
</configuration>
"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<configuration><appSettings><add key="AccountKey" value="&lol9;" /></appSettings></configuration>
"""


def _named(items: Iterable[ConnectionStringAuditItem], name: str) -> list[ConnectionStringAuditItem]:
    return [i for i in items if i.setting_name == name]


def test_connection_strings_app_settings_and_settings() -> None:
    items = scan_text("src/Orders.Web/Web.config", WEB_CONFIG)
    db = _named(items, "ConnectionStrings:OrdersDb")
    assert len(db) == 1
    assert db[0].service_type is ServiceType.SQL and db[0].value_class is ValueClass.SECRET
    assert file_location(db[0]).line == 6  # the attribute's line, not the tag's
    assert db[0].evidence_role is EvidenceRole.CONFIG_VALUE
    assert db[0].detector.startswith("xml-config")
    st = _named(items, "StorageConnection")
    assert st and st[0].service_type is ServiceType.STORAGE and file_location(st[0]).line == 9
    bus = _named(items, "BusConnection")
    assert bus and bus[0].service_type is ServiceType.SERVICE_BUS and file_location(bus[0]).line == 15
    assert not _named(items, "Theme")


def test_no_secret_in_output() -> None:
    items = scan_text("app.config", WEB_CONFIG)
    assert_planted_found(items, WEB_CONFIG, CANARY_KEY, CANARY_PW, CANARY_SB)
    out = json.dumps([i.to_json() for i in items])
    for canary in (CANARY_KEY, CANARY_PW, CANARY_SB, CANARY_KEY[:16]):
        assert canary not in out


def test_transform_and_declared_utf16_encoding() -> None:
    text = f"""<?xml version="1.0" encoding="utf-16"?>
<configuration xmlns:xdt="http://schemas.microsoft.com/XML-Document-Transform">
  <connectionStrings>
    <add name="OrdersDb" connectionString="Server=tcp:prod-sql.database.windows.net;Database=orders;User ID=app;Password={CANARY_PW};"
         xdt:Transform="SetAttributes" xdt:Locator="Match(name)" />
  </connectionStrings>
</configuration>"""
    items = scan_text("src/Web.Release.config", text)
    db = _named(items, "ConnectionStrings:OrdersDb")
    assert db and db[0].value_class is ValueClass.SECRET and file_location(db[0]).line == 4


def test_publish_profile_element_text() -> None:
    text = f"""<Project>
  <PropertyGroup>
    <WebPublishMethod>MSDeploy</WebPublishMethod>
    <_DestinationConnectionString>Server=tcp:pub-sql.database.windows.net;Database=d;User ID=u;Password={CANARY_PW}</_DestinationConnectionString>
  </PropertyGroup>
</Project>"""
    items = scan_text("Properties/PublishProfiles/prod.pubxml", text)
    dest = [i for i in items if i.detector.startswith("xml-config")]
    assert dest and dest[0].service_type is ServiceType.SQL and file_location(dest[0]).line == 4


def test_billion_laughs_is_refused_fast() -> None:
    start = time.monotonic()
    outcome = scan_bytes("src/app.config", BILLION_LAUGHS.encode(), Fingerprinter(TEST_KEY))
    assert time.monotonic() - start < 5
    assert any(s.reason is SkipReason.HOSTILE_XML and "xml-config" in s.detail for s in outcome.skipped)
    with pytest.raises(HostileInput):
        list(XmlConfigHandler().scan(SourceFile(PurePosixPath("a.config"), BILLION_LAUGHS)))


def test_external_entity_is_refused() -> None:
    text = """<?xml version="1.0"?>
<!DOCTYPE c [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<configuration><appSettings><add key="ApiKey" value="&xxe;" /></appSettings></configuration>"""
    with pytest.raises(HostileInput):
        list(XmlConfigHandler().scan(SourceFile(PurePosixPath("web.config"), text)))


def test_malformed_xml_is_skipped_and_lines_still_scanned() -> None:
    text = f"""<configuration>
  <appSettings>
    <add key="StorageConnection" value="DefaultEndpointsProtocol=https;AccountName=brokenxml;AccountKey={CANARY_KEY}">
  </appSettings>
"""
    outcome = scan_bytes("web.config", text.encode(), Fingerprinter(TEST_KEY))
    assert any(s.reason is SkipReason.MALFORMED and "xml-config" in s.detail for s in outcome.skipped)
    assert all(CANARY_KEY[:10] not in s.detail for s in outcome.skipped)
    found = [i for i in outcome.items if file_location(i).line == 3]
    assert found and found[0].service_type is ServiceType.STORAGE
    assert CANARY_KEY not in json.dumps([i.to_json() for i in outcome.items])
    with pytest.raises(MalformedInput):
        list(XmlConfigHandler().scan(SourceFile(PurePosixPath("web.config"), text)))


def test_matches() -> None:
    h = XmlConfigHandler()
    assert h.matches(PurePosixPath("Web.config"))
    assert h.matches(PurePosixPath("src/Web.Debug.config"))
    assert h.matches(PurePosixPath("Properties/PublishProfiles/x.pubxml"))
    assert h.matches(PurePosixPath("Properties/Settings.settings"))
    assert not h.matches(PurePosixPath("appsettings.json"))


PUBLISH_PASSWORD = "q8RzXw2Lm5Pn9Tv4Yc7Bk3Hd6Jf1Gs0Aa2Ee4Ii6Oo8Uu0ZxCvB"
PUBLISH_SETTINGS = f"""\
<publishData>
  <publishProfile profileName="contoso-web - Web Deploy" publishMethod="MSDeploy"
    publishUrl="contoso-web.scm.azurewebsites.net:443" msdeploySite="contoso-web"
    userName="$contoso-web" userPWD="{PUBLISH_PASSWORD}"
    destinationAppUrl="https://contoso-web.azurewebsites.net" />
</publishData>
"""


def test_publishing_profile_password_is_a_secret() -> None:
    items = scan_text("deploy/contoso-web.PublishSettings", PUBLISH_SETTINGS)
    assert_planted_found(items, PUBLISH_SETTINGS, PUBLISH_PASSWORD)
    pwd = [i for i in items if i.setting_name == "userPWD"]
    assert pwd and pwd[0].detector == "xml-config:attribute"  # read as XML, not only by entropy
    assert all(PUBLISH_PASSWORD not in i.redacted_preview for i in items)
