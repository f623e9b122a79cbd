"""Plug-ins, found through the entry points of the installed package (pyproject.toml).

Three groups: runners (`humaneval_x.runners`: name -> a RunnerFactory), sandbox backends
(`humaneval_x.backends`: name -> a Backend class) and extra commands (`humaneval_x.commands`:
name -> a module with HELP, add_arguments(parser) and main(args)). Listing names imports no
plug-in; a plug-in's module is imported when it is loaded.
"""

from __future__ import annotations

import argparse
import functools
import sys
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType

from humaneval_x.errors import InputError
from humaneval_x.ranges import COUNT, check
from humaneval_x.runner import RunnerFactory
from sandboxes.backend import Backend, SandboxUnavailable

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


def make_backend(name: str, workers: int | None) -> Backend:
    """The sandbox backend of a name, or auto: docker when a daemon answers, else local."""
    if workers is not None:
        check("workers", workers, COUNT)
    if name == "auto":
        name = "docker" if _available("docker") else "local"
        if name == "local":
            print("humaneval-x: no Docker daemon; using the local sandbox", file=sys.stderr)
    try:
        backend = backend_class(name)
    except ImportError as exc:
        message = f"the {name} backend is not installed in this checkout ({exc})"
        raise SandboxUnavailable(message) from exc
    return backend(workers=workers)


def _available(name: str) -> bool:
    """Whether a backend is installed and can work on this machine."""
    try:
        return backend_class(name).available()
    except (ImportError, InputError):
        return False


def command(name: str) -> ModuleType:
    """The module of an extra command, by name."""
    return load(COMMANDS, name)


def add_runner_options(parser: argparse.ArgumentParser, chosen: str | None, listing: bool) -> None:
    """The options of the chosen runner (default: reference); when `listing` (--help) without a
    chosen runner, those of every runner whose options do not clash with those already there."""
    if chosen is not None or not listing:
        if (chosen or "reference") in names(RUNNERS):
            runner_factory(chosen or "reference").add_arguments(parser)
        return
    for name in names(RUNNERS):
        scratch = argparse.ArgumentParser(add_help=False)
        runner_factory(name).add_arguments(scratch)
        options = {option for action in scratch._actions for option in action.option_strings}
        if options & set(parser._option_string_actions):
            note = f"`--runner {name} --help` lists the {name} runner's options."
            parser.epilog = f"{parser.epilog or ''} {note}".strip()
        else:
            runner_factory(name).add_arguments(parser)
