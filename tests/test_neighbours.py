"""Another run on the same host cannot change a verdict: a canonical sweep beside a run that
judges fork bombs gets the verdicts of a quiet run, in each backend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sandbox_fixtures import judge, load_data, make_backend

from humaneval_x.doctor import KNOWN_ANOMALIES
from humaneval_x.samples import Sample
from humaneval_x.tasks import generation_tasks

REPO = Path(__file__).resolve().parents[1]
BOMBS = 200  # more than the sweep outlasts: the run is stopped once the sweep is done
FORK_BOMB = """    import os, time
    while True:
        try:
            os.fork()
        except OSError:
            time.sleep(0.01)
"""


def start_bombing(kind: str, folder: Path) -> subprocess.Popen:
    """Another evaluation, in a process of its own: fork bombs until their time limit."""
    samples = folder / "bombs.jsonl"
    rows = [  # distinct programs: identical ones would be judged once
        {"task_id": "Python/53", "completion_id": i, "generation": f"{FORK_BOMB}    # {i}\n"}
        for i in range(BOMBS)
    ]
    samples.write_text("".join(json.dumps(row) + "\n" for row in rows))
    command = [sys.executable, "-m", "humaneval_x.cli", "evaluate", str(samples), "--out",
               str(folder / "bombs"), "--sandbox", kind, "--languages", "python",
               "--timeout", "10", "--no-progress", "--no-cache"]  # fmt: skip
    return subprocess.Popen(
        command, cwd=REPO, env=os.environ.copy(), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _wait_for_verdicts(results: Path, bombing: subprocess.Popen) -> None:
    """Until the other run has judged its first fork bombs (its sandbox is at work)."""
    deadline = time.monotonic() + 300
    while not (results.exists() and results.read_text().count("\n") >= 2):
        assert bombing.poll() is None, bombing.stderr.read()[-2000:]
        assert time.monotonic() < deadline, "the other run judged nothing in 300 s"
        time.sleep(0.5)


@pytest.mark.slow
@pytest.mark.parametrize(
    "kind",
    [
        pytest.param("local", marks=pytest.mark.toolchain),
        pytest.param("docker", marks=pytest.mark.docker),
    ],
)
def test_a_sweep_beside_fork_bombs_gets_the_verdicts_of_a_quiet_run(kind: str, tmp_path) -> None:
    dataset = load_data(kind)
    tasks = generation_tasks(dataset, ["java", "go"])
    samples = [Sample(task, 0, task.problem.canonical_solution) for task in tasks]
    backend = make_backend(kind, ["java", "go", "python"])
    bombing = start_bombing(kind, tmp_path)
    try:
        _wait_for_verdicts(tmp_path / "bombs" / "results.jsonl", bombing)
        with backend:
            rows = judge(backend, samples, tmp_path / "sweep", 10.0)
        assert bombing.poll() is None, bombing.stderr.read()[-2000:]
    finally:
        bombing.terminate()  # the harness removes its containers on SIGTERM
        bombing.wait(timeout=120)
    failed = {
        task_id: row["status"]
        for (task_id, _), row in rows.items()
        if row["status"] != "passed" and (task_id, "canonical") not in KNOWN_ANOMALIES
    }
    assert failed == {}
