"""Plug-ins, found through the entry points of the installed package (pyproject.toml).

Three groups: runners (`humaneval_x.runners`: name -> a RunnerFactory), sandbox backends
(`humaneval_x.backends`: name -> a Backend class) and extra commands (`humaneval_x.commands`:
name -> a module with HELP, add_arguments(parser) and main(args)). Listing names imports no
plug-in; a plug-in's module is imported when it is loaded.
"""

from __future__ import annotations

import functools
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType

from humaneval_x.errors import InputError
from humaneval_x.runner import RunnerFactory
from sandboxes.backend import Backend

RUNNERS = "humaneval_x.runners"
BACKENDS = "humaneval_x.backends"
COMMANDS = "humaneval_x.commands"


@functools.cache
def _entries(group: str) -> tuple[EntryPoint, ...]:
    return tuple(sorted(entry_points(group=group), key=lambda entry: entry.name))


def names(group: str) -> list[str]:
    """The plug-in names of a group, sorted."""
    return [entry.name for entry in _entries(group)]


def load(group: str, name: str) -> object:
    """Import a plug-in and return what its entry point names."""
    for entry in _entries(group):
        if entry.name == name:
            return entry.load()
    raise InputError(
        f"no plug-in {name!r} in {group} (known: {', '.join(names(group))}); "
        f"reinstall the package if one is missing"
    )


def runner_factory(name: str) -> type[RunnerFactory]:
    """The factory of a model runner, by name ("reference", "codegeex")."""
    return load(RUNNERS, name)


def backend_class(name: str) -> type[Backend]:
    """The class of a sandbox backend, by name ("local", "docker")."""
    return load(BACKENDS, name)


def command(name: str) -> ModuleType:
    """The module of an extra command, by name."""
    return load(COMMANDS, name)
