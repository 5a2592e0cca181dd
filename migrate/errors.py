"""Typed errors of the migrate package.  Messages say what to do; none carries a secret value."""

from __future__ import annotations

from scanners.errors import SecretlessError


class MigrateError(SecretlessError):
    """Planning, emitting or migrating could not go on."""


class AuditInputError(MigrateError):
    """The audit document given to `secretless plan` is not a scan document this version reads (the
    planner's form of `scanners.errors.ScanDocumentError`)."""


class UnknownAppError(MigrateError):
    """`--app` names no app of the plan that can be migrated: a usage error, not a failed run."""
