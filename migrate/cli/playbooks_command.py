"""`secretless playbooks`: the declarative migration playbooks."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("playbooks")
def playbooks_group() -> None:
    """Migration playbooks (declarative YAML steps per service type)."""


@playbooks_group.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def playbooks_validate(paths: tuple[Path, ...]) -> None:
    """Check playbook files (default: every bundled playbook).  Exit 0 valid, 3 invalid."""
    from migrate.run.playbooks import bundled_paths, load_bundled, load_playbook

    if paths:
        books = [load_playbook(p) for p in paths]
    else:
        books = sorted(load_bundled().values(), key=lambda b: b.name)
    for b in books:
        click.echo(f"{b.path}: {b.name} ({b.service}), {len(b.steps)} steps: ok")
    if not paths:
        click.echo(f"{len(bundled_paths())} bundled playbooks valid", err=True)
