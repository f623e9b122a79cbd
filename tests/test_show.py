"""`humaneval-x show`: a run's samples one per line, and one sample's program, verdict, limits and
output, judged again with --rerun; what a program printed is kept bounded."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from humaneval_x.cli import main
from humaneval_x.outputs import OUTPUT_CHARS, OUTPUTS_FILE, output_row
from sandboxes.backend import Job, Step
from tests.conftest import REPO, data_dir, require_toolchain

WRONG = "    print('hello from the sample')\n    return x - y\n"


@pytest.fixture
def run(tmp_path):
    require_toolchain("python")
    samples = tmp_path / "run" / "samples.jsonl"
    samples.parent.mkdir()
    rows = [{"task_id": "Python/53", "completion_id": 0, "generation": "    return x + y\n"},
            {"task_id": "Python/53", "completion_id": 1, "generation": WRONG}]  # fmt: skip
    samples.write_text("".join(json.dumps(row) + "\n" for row in rows))
    argv = ["evaluate", str(samples), "--out", str(samples.parent), "--sandbox", "local",
            "--languages", "python", "--data-dir", str(data_dir()), "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    return samples.parent


@pytest.mark.toolchain
def test_show_lists_the_samples_then_shows_one(run, capsys):
    capsys.readouterr()
    assert main(["show", str(run)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:3] for line in lines[:2]] == [
        ["Python/53", "#0", "passed"], ["Python/53", "#1", "failed"]
    ]  # fmt: skip
    assert lines[2] == "2 samples: 1 passed, 1 failed"
    assert main(["show", str(run), "Python/53", "--completion", "1", "--rerun",
                 "--sandbox", "local", "--data-dir", str(data_dir())]) == 0  # fmt: skip
    shown = capsys.readouterr().out
    assert shown.startswith("Python/53 #1: failed, exit code 1")
    assert "limits: run " in shown and "--- candidate.py ---\n" in shown
    assert "def add(x: int, y: int)" in shown and WRONG.strip() in shown
    assert "[stdout]\nhello from the sample" in shown and "AssertionError" in shown
    assert "=== rerun: failed (recorded: failed) ===" in shown
    assert "note:" not in shown  # the program rebuilt is the one judged


@pytest.mark.toolchain
def test_a_run_without_kept_output_says_so(run, capsys):
    (run / OUTPUTS_FILE).unlink()
    assert main(["show", str(run), "Python/53", "--data-dir", str(data_dir())]) == 0
    assert "no output kept for this program" in capsys.readouterr().out


def test_kept_output_is_bounded():
    job = Job("abc", "python", {"main.py": ""}, (Step("run", ("python3",), 3.5),))
    step = {"phase": "run", "exit_code": 1, "stdout_tail": "x" * 10 * OUTPUT_CHARS + "end"}
    row = output_row(job, {"id": "abc", "steps": [step], "error": None})
    assert len(row["steps"][0]["stdout_tail"]) == OUTPUT_CHARS
    assert row["steps"][0]["stdout_tail"].endswith("end") and row["steps"][0]["stderr_tail"] == ""
    assert row["limits"] == [{"phase": "run", "timeout_s": 3.5, "memory_mb": 1024}]


def test_a_reader_that_goes_away_ends_the_listing_quietly(tmp_path):
    rows = [{"task_id": f"Python/{i % 164}", "completion_id": i, "status": "passed",
             "duration_s": 0.1} for i in range(20000)]  # fmt: skip
    (tmp_path / "results.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    command = [sys.executable, "-m", "humaneval_x.cli", "show", str(tmp_path)]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout.readline().startswith(b"Python/0 #0")
    process.stdout.close()  # as `| head -1` does
    assert process.wait() == 141
    assert process.stderr.read() == b""
