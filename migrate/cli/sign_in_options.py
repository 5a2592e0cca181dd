"""`--credential`, `--client-id`, `--cloud` and `--arm-endpoint`: how a verb that talks to Azure signs in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

import click

from migrate.cli.base import F
from scanners.sign_in import CLOUDS, CREDENTIALS, DEFAULT_CLOUD, DEFAULT_CREDENTIAL, sign_in_error


@dataclass(frozen=True, slots=True)
class SignIn:
    """How to reach Azure: the options of `sign_in_options`."""

    credential: str
    client_id: str | None
    cloud: str
    arm_endpoint: str | None


def sign_in_options(scope: str) -> Callable[[F], F]:
    """`--credential`, `--client-id`, `--cloud` and `--arm-endpoint`, declared once for every command
    that talks to Azure; their choices are the registries of `scanners.sign_in`.  The command gets
    them as one `sign_in: SignIn`, and an SDK authentication failure inside it becomes a
    `SignInError` that says how to sign in."""

    def decorate(command: F) -> F:
        @wraps(command)
        def wrapper(
            *args: Any,
            credential: str,
            client_id: str | None,
            cloud: str,
            arm_endpoint: str | None,
            **kwargs: Any,
        ) -> Any:
            try:
                return command(*args, sign_in=SignIn(credential, client_id, cloud, arm_endpoint), **kwargs)
            except Exception as exc:
                error = sign_in_error(exc, credential)
                if error is None:
                    raise
                raise error from None

        options = (
            click.option(
                "--credential",
                type=click.Choice(list(CREDENTIALS)),
                default=DEFAULT_CREDENTIAL,
                show_default=True,
                help=f"{scope}the azure-identity credential to sign in with ('default' is "
                "DefaultAzureCredential; 'azure-cli' needs `az login`).",
            ),
            click.option(
                "--client-id",
                metavar="ID",
                help=f"{scope}client id of the user-assigned identity to sign in with "
                "(managed-identity, workload-identity, default).",
            ),
            click.option(
                "--cloud",
                type=click.Choice(list(CLOUDS)),
                default=DEFAULT_CLOUD,
                show_default=True,
                help=f"{scope}Azure cloud (selects the ARM endpoint and token scope).",
            ),
            click.option("--arm-endpoint", metavar="URL", help=f"{scope}ARM endpoint override (https only)."),
        )
        decorated: Any = wrapper
        for option in reversed(options):
            decorated = option(decorated)
        return decorated  # type: ignore[no-any-return]

    return decorate
