"""Typed errors with messages a user can act on.  None of them ever carries a secret value."""

from __future__ import annotations


class SecretlessError(Exception):
    """Base class for every error this package raises on purpose."""


class ScanError(SecretlessError):
    """A scan could not start or could not finish."""


class ConfigError(SecretlessError):
    """A setting, key file or option is wrong."""


class ScanDocumentError(SecretlessError):
    """A document given as a scan document is not one this version reads."""


class SignInError(ConfigError):
    """Signing in to Azure failed; the message says how to sign in with the chosen credential."""
