"""Throwaway TLS material for the fake ARM server (trustme CA, cert for 127.0.0.1 and localhost)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass
class TlsMaterial:
    ca: trustme.CA
    ca_path: str  # PEM of the throwaway CA: pass as connection_verify=
    server_context: ssl.SSLContext

    def client_context(self) -> ssl.SSLContext:
        """A client SSLContext trusting only the throwaway CA (share one per aiohttp connector)."""
        return ssl.create_default_context(cafile=self.ca_path)


def make_tls(ca_path: str | Path) -> TlsMaterial:
    """Create a CA, issue a server cert for 127.0.0.1/localhost, write the CA PEM to ``ca_path``."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost", "::1")
    ca_path = Path(ca_path)
    ca_path.parent.mkdir(parents=True, exist_ok=True)
    ca.cert_pem.write_to_path(str(ca_path))
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    return TlsMaterial(ca=ca, ca_path=str(ca_path), server_context=ctx)
