"""The CLI end to end on Python samples: files written, resume after kill -9, bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from humaneval_x.cli import main
from tests.conftest import data_dir, require_toolchain

SLOW_PASS = "    return x + y\n\nimport time\ntime.sleep(0.3)\n"


def _samples(path, count: int) -> None:
    rows = [{"task_id": "Python/53", "completion_id": i,
             "generation": SLOW_PASS + f"# variant {i}\n" if i else "    return x - y\n"}
            for i in range(count)]  # fmt: skip
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


def _evaluate_argv(samples, out) -> list[str]:
    return ["evaluate", str(samples), "--out", str(out), "--sandbox", "local",
            "--languages", "python", "--data-dir", str(data_dir()), "--workers", "1",
            "--no-progress", "--no-cache"]  # fmt: skip


@pytest.mark.toolchain
def test_evaluate_writes_results_summary_and_table(tmp_path, capsys):
    require_toolchain("python")
    samples = tmp_path / "samples.jsonl"
    _samples(samples, 4)
    assert main(_evaluate_argv(samples, tmp_path / "run")) == 0
    rows = [json.loads(line) for line in (tmp_path / "run" / "results.jsonl").open()]
    assert sorted(r["status"] for r in rows) == ["failed", "passed", "passed", "passed"]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["metrics"]["python"]["pass@1"] == pytest.approx(0.75)
    assert summary["per_task"] == {"Python/53": [4, 3]}
    assert summary["dataset"]["digests"]["python"].startswith("sha256:")
    assert summary["sandbox"]["backend"] == "local"
    assert summary["metrics"]["python"]["n_problems"] == 164
    assert summary["coverage"] == {
        "groups": 1, "of_groups": 6, "tasks": 1, "problems": 164, "complete": False
    }  # fmt: skip
    out = capsys.readouterr().out
    assert "| python | 75.00 | 1/164 | 4 |" in out
    assert "partial coverage: 1 of 6 languages, 1 of 164 problems of HumanEval-X" in out


@pytest.mark.toolchain
def test_rerun_after_kill_9_ends_like_an_uninterrupted_run(tmp_path):
    require_toolchain("python")
    samples = tmp_path / "samples.jsonl"
    _samples(samples, 12)
    command = [sys.executable, "-m", "humaneval_x.cli", *_evaluate_argv(samples, tmp_path / "a")]
    process = subprocess.Popen(command, start_new_session=True, stderr=subprocess.DEVNULL)
    results = tmp_path / "a" / "results.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (
        not results.exists() or len(results.read_text().splitlines()) < 3
    ):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    interrupted = len(results.read_text().splitlines())
    assert 3 <= interrupted < 12
    with results.open("a") as handle:  # a line torn by the crash
        handle.write('{"task_id": "Python/53", "compl')
    assert main(_evaluate_argv(samples, tmp_path / "a")) == 0
    assert main(_evaluate_argv(samples, tmp_path / "b")) == 0

    def verdicts(folder):
        rows = [json.loads(line) for line in (folder / "results.jsonl").open()]
        return sorted((r["completion_id"], r["status"]) for r in rows)

    assert verdicts(tmp_path / "a") == verdicts(tmp_path / "b")
    assert len(verdicts(tmp_path / "a")) == 12
    summary_a = json.loads((tmp_path / "a" / "summary.json").read_text())
    summary_b = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert summary_a["metrics"] == summary_b["metrics"]


@pytest.mark.parametrize(
    "content",
    [b'{"task_id": "Python/53", "generation": "x"}\n{oops\n',
     b'{"task_id": "Python/53", "generation": "x"}\n{"task_id": "Python/999", "generation": "x"}\n',
     b'{"task_id": "Python/53"}\n',
     b'{"task_id": "Go/53", "generation": "x"}\n',
     b'{"task_id": "Python/53", "generation": "\xff"}\n'],
)  # fmt: skip
def test_bad_input_fails_clearly_and_writes_nothing(tmp_path, capsys, content):
    samples = tmp_path / "samples.jsonl"
    samples.write_bytes(content)
    assert main(_evaluate_argv(samples, tmp_path / "run")) == 2
    error = capsys.readouterr().err
    assert f"{samples}, line " in error and "Traceback" not in error
    assert not (tmp_path / "run").exists()
