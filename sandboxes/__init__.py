"""Sandboxes: the in-sandbox job runner, and the backends (local, docker) that host it.

Nothing here imports the harness (humaneval_x): a worker node needs only this package.
"""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).parent


def languages() -> tuple[str, ...]:
    """The languages with a sandbox: the folders here that hold a Dockerfile, alphabetically."""
    return tuple(sorted(dockerfile.parent.name for dockerfile in FOLDER.glob("*/Dockerfile")))
