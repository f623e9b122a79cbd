"""Bad input on the command line: one line naming the file or flag, exit code 2, no traceback;
and help texts that show every option with what it does."""

from __future__ import annotations

import argparse
import json

import pytest

from humaneval_x.cli import build_parser, main
from tests.conftest import data_dir

SAMPLE = {"task_id": "Python/0", "generation": "    return True\n"}


def one_line_error(capsys) -> str:
    error = capsys.readouterr().err
    assert error.startswith("humaneval-x: error: ") and "Traceback" not in error
    assert len(error.strip().splitlines()) == 1, error
    return error


@pytest.fixture
def samples(tmp_path):
    path = tmp_path / "samples.jsonl"
    path.write_text(json.dumps(SAMPLE) + "\n")
    return path


def test_evaluate_out_that_is_a_file(tmp_path, capsys, samples):
    argv = ["evaluate", str(samples), "--out", str(samples), "--data-dir", str(data_dir())]
    assert main(argv) == 2
    assert f"--out {samples}: is a file; give a run folder" in one_line_error(capsys)
    below = tmp_path / "samples.jsonl" / "run"
    assert main(["evaluate", str(samples), "--out", str(below)]) == 2
    assert f"{samples} is a file, not a folder" in one_line_error(capsys)


def test_generate_out_that_is_a_folder(tmp_path, capsys):
    assert main(["generate", "--languages", "python", "--out", str(tmp_path)]) == 2
    assert f"--out {tmp_path}: is a folder; give the samples file" in one_line_error(capsys)


def test_a_translation_pair_outside_the_languages(tmp_path, capsys):
    argv = ["translate", "--languages", "python", "--pairs", "python:cpp",
            "--data-dir", str(data_dir()), "--out", str(tmp_path / "s.jsonl")]  # fmt: skip
    assert main(argv) == 2
    assert "--pairs python:cpp: cpp is not in --languages python" in one_line_error(capsys)


@pytest.mark.parametrize(
    "extra, message",
    [(["--task-ids", "Python/999"], "--task-ids: unknown task id 'Python/999'"),
     (["--task-ids", "CPP/1"], "unknown task id 'CPP/1' (loaded languages: python)"),
     (["--data-dir", "/nonexistent"], "/nonexistent: no such folder")],
)  # fmt: skip
def test_bad_selections_and_folders(tmp_path, capsys, extra, message):
    argv = ["generate", "--languages", "python", "--data-dir", str(data_dir()),
            "--out", str(tmp_path / "s.jsonl"), *extra]  # fmt: skip
    assert main(argv) == 2
    assert message in one_line_error(capsys)


def test_a_limit_below_one_is_a_usage_error(tmp_path, capsys):
    argv = ["generate", "--limit", "0", "--out", str(tmp_path / "s.jsonl")]
    with pytest.raises(SystemExit) as stop:
        main(argv)
    error = capsys.readouterr().err
    assert stop.value.code == 2 and len(error.strip().splitlines()) == 1
    assert "argument --limit: expected an integer >= 1, got '0'" in error


def test_a_file_that_cannot_be_written_is_one_line(tmp_path, capsys, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "s.jsonl"))

    monkeypatch.setattr("humaneval_x.generate.Appender", refuse)
    argv = ["generate", "--languages", "python", "--data-dir", str(data_dir()),
            "--out", str(tmp_path / "s.jsonl")]  # fmt: skip
    assert main(argv) == 2
    assert f"{tmp_path / 's.jsonl'}: Permission denied" in one_line_error(capsys)


def _subparser(argv: list[str]) -> argparse.ArgumentParser:
    parser = build_parser(argv)
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return commands.choices[argv[0]]


def test_generate_help_shows_the_runner_options():
    options = _subparser(["generate", "--help"]).format_help()
    for option in ("--checkpoint", "--tokenizer", "--model-config", "--device"):
        assert option in options
    assert (
        "--pairs" not in options and "--pairs" in _subparser(["translate", "--help"]).format_help()
    )


@pytest.mark.parametrize(
    "command", ["generate", "translate", "evaluate", "bench", "doctor", "show"]
)
def test_every_option_says_what_it_does(command):
    actions = _subparser([command, "--help"])._actions
    assert [a.option_strings or a.dest for a in actions if not a.help] == []


def test_the_description_names_every_command():
    description = build_parser(["--help"]).description
    for command in ("generate", "evaluate", "show", "compare", "convert-checkpoint"):
        assert command in description
