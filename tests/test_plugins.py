"""Plug-ins come from the package's entry points; listing them imports no heavy runner."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from humaneval_x import plugins
from humaneval_x.errors import InputError

REPO = Path(__file__).resolve().parents[1]
# Parses the command line, then says whether MindSpore was imported.
PARSE = (
    "import sys\n"
    "from humaneval_x.cli import build_parser\n"
    "try:\n"
    "    build_parser(sys.argv[1:]).parse_args(sys.argv[1:])\n"
    "except SystemExit:\n"
    "    pass\n"
    "print('mindspore' in sys.modules, file=sys.stderr)\n"
)


def test_runners_backends_and_commands_are_registered() -> None:
    assert plugins.names(plugins.RUNNERS) == ["codegeex", "openai", "reference", "transformers"]
    assert plugins.names(plugins.BACKENDS) == ["docker", "local", "ray"]
    assert plugins.names(plugins.COMMANDS) == ["convert-checkpoint"]
    assert plugins.backend_class("local").name == "local"
    assert plugins.command("convert-checkpoint").HELP


def test_an_unknown_plugin_names_the_known_ones() -> None:
    with pytest.raises(InputError, match="known: docker, local, ray"):
        plugins.backend_class("cloud")


@pytest.mark.parametrize("argv", [["--help"], ["evaluate", "--help"], ["convert-checkpoint", "-h"]])
def test_the_cli_imports_mindspore_only_for_its_runner(argv: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PARSE, *argv], cwd=REPO, capture_output=True, text=True
    )
    assert done.stderr.strip().splitlines()[-1] == "False", done.stderr


def test_help_lists_every_runner_s_options_unless_they_clash(monkeypatch) -> None:
    def factory(option: str) -> type:
        return type("Factory", (), {"add_arguments": staticmethod(
            lambda parser: parser.add_argument(option, help=f"{option} help"))})  # fmt: skip

    factories = {"a": factory("--checkpoint"), "b": factory("--checkpoint"), "c": factory("--url")}
    monkeypatch.setattr(plugins, "names", lambda group: sorted(factories))
    monkeypatch.setattr(plugins, "runner_factory", factories.__getitem__)
    parser = argparse.ArgumentParser()
    plugins.add_runner_options(parser, None, listing=True)
    shown = parser.format_help()
    assert "--checkpoint" in shown and "--url" in shown
    assert "`--runner b --help` lists the b runner's options." in shown
    chosen = argparse.ArgumentParser()
    plugins.add_runner_options(chosen, "c", listing=True)
    assert "--url" in chosen.format_help() and "--checkpoint" not in chosen.format_help()
