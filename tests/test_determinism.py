"""The same program gets the same verdict on every run: programs whose answer depends on a
run-to-run input (job path, hash seed, random seed, address layout, undefined behaviour, the
load of the host) are judged repeatedly and get one verdict; a program whose answer depends on
what no sandbox fixes (Go's map order) is marked flaky."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from sandbox_fixtures import load_data, make_backend, tasks_of

from humaneval_x.evaluate import EvaluationOptions, evaluate
from humaneval_x.samples import Sample

REPEAT = 4
BACKENDS = [
    pytest.param("local", marks=pytest.mark.toolchain),
    pytest.param("docker", marks=pytest.mark.docker),
]
# (language, completion of add(x, y), the one verdict it must get, backends it applies to)
STABLE = [
    ("python", "    import os\n    return x + y if len(os.getcwd()) % 2 == 0 else x - y\n",
     "passed", ("local", "docker")),  # the job's folder is always /tmp/job
    ("python", "    return x + y if next(iter({'pear', 'fig', 'kiwi', 'plum'})) == 'fig' "
     "else x - y\n", None, ("local", "docker")),  # string hashing: PYTHONHASHSEED=0
    ("python", "    import os\n    return x + y if os.environ.get('HOME', '') == '/tmp/job' "
     "else x - y\n", "passed", ("local", "docker")),
    ("python", "    return x + y if id(object()) % 4096 < 2048 else x - y\n", None,
     ("local",)),  # addresses: no address-space randomisation (Docker's seccomp forbids it)
    ("js", "  return Math.random() < 2 ? (Math.random() < 0.5 ? x + y : x - y) : 0;\n}\n", None,
     ("local", "docker")),  # node's --random-seed
    ("cpp", "    if (x > 1000) return x + y;\n}\n", "runtime_error", ("local", "docker")),
    ("cpp", "    int garbage;\n    return garbage == 0 ? x + y : x - y;\n}\n", "passed",
     ("local", "docker")),  # locals start at zero
]  # fmt: skip
# Go's map iteration order is random in every run (and every loop): decided once a run, at
# start-up, it passes about one run in two.
GO_MAP = """    if first < 4 {
        return x + y
    }
    return x - y
}

var first = func() int {
    for key := range map[int]int{0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7} {
        return key
    }
    return 0
}()
"""
GO_REPEAT = 12  # the chance that twelve runs agree by luck: 2 / 4096


def judge(backend, samples, folder: Path, repeat: int) -> dict:
    options = EvaluationOptions(run_timeout_s=5.0, progress=False, repeat=repeat)
    rows = evaluate(samples, folder, backend, options)
    return {row["completion_id"]: row for row in rows}


@pytest.mark.parametrize("kind", BACKENDS)
def test_run_to_run_inputs_do_not_change_a_verdict(kind: str, tmp_path: Path) -> None:
    tasks = tasks_of(load_data(kind))
    cases = [case for case in STABLE if kind in case[3]]
    samples = [Sample(tasks[language], i, code) for i, (language, code, *_) in enumerate(cases)]
    with make_backend(kind, sorted({case[0] for case in cases})) as backend:
        rows = judge(backend, samples, tmp_path, REPEAT)
    for index, (language, code, expected, _) in enumerate(cases):
        row = rows[index]
        assert not row.get("flaky"), (language, code, row.get("statuses"))
        assert row.get("repeats") == REPEAT
        assert expected is None or row["status"] == expected, (code, row)


@pytest.mark.parametrize("kind", BACKENDS)
def test_what_cannot_be_fixed_is_flaky_and_never_passes(kind: str, tmp_path: Path) -> None:
    task = tasks_of(load_data(kind))["go"]
    with make_backend(kind, ["go"]) as backend:
        row = judge(backend, [Sample(task, 0, GO_MAP)], tmp_path, GO_REPEAT)[0]
    assert row["flaky"] is True, row
    assert row["passed"] is False and set(row["statuses"]) == {"passed", "failed"}


BUSY = """    return x + y


n = 0
for i in range(CPU_LOOPS):  # once, while the program starts
    n += i
"""
PROBE_LOOPS = 20_000_000
CPU_HOG = "import time\nend = time.monotonic() + 60\nwhile time.monotonic() < end:\n    pass\n"


@pytest.mark.toolchain
def test_a_busy_host_does_not_turn_a_program_into_a_timeout(tmp_path: Path) -> None:
    """A program that needs most of its time limit in CPU passes while other processes keep
    the host's cores busy: its time is counted as the time it had the CPU."""
    task = tasks_of(load_data("local"))["python"]
    with make_backend("local", ["python"], workers=1) as backend:
        probes = [
            Sample(task, i, BUSY.replace("CPU_LOOPS", str(n)))
            for i, n in enumerate((1, PROBE_LOOPS))
        ]
        quiet = judge(backend, probes, tmp_path / "a", 1)  # on a quiet host
        per_loop = (quiet[1]["duration_s"] - quiet[0]["duration_s"]) / PROBE_LOOPS
        loops = int(0.5 * 5.0 / per_loop)  # half the 5 s limit, on a quiet host
        hogs = [  # sessions of their own: the scheduler shares the CPU between sessions
            subprocess.Popen([sys.executable, "-c", CPU_HOG], start_new_session=True)
            for _ in range(5)
        ]
        try:
            time.sleep(0.5)
            program = Sample(task, 2, BUSY.replace("CPU_LOOPS", str(loops)))
            row = judge(backend, [program], tmp_path / "b", 1)[2]
        finally:
            for hog in hogs:
                hog.kill()
                hog.wait()
    assert row["status"] == "passed", row
    assert row["duration_s"] > 5.0, "the host was not busy enough to test anything"
