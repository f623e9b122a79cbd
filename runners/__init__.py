"""Model runners, by name; each lives in its own module and is imported only when chosen."""

from __future__ import annotations

import importlib

from runners.base import RunnerFactory

RUNNER_MODULES = {
    "reference": "runners.reference",
    "codegeex": "runners.codegeex",
    "openai": "runners.openai",
    "transformers": "runners.hf",
}


def runner_factory(name: str) -> RunnerFactory:
    """The factory of a runner name (its module exports `Factory`)."""
    return importlib.import_module(RUNNER_MODULES[name]).Factory
