"""Forged passes, in both backends: none may pass, and canonical controls in the same runs do.

The catalogue is tests/forgeries.py. Further tests here: batch neighbours (a Rust member that
declares its neighbours' test paths, a Go member whose initialisation panics, C++ members that
pick a neighbour's test or define a neighbour's entry point), compile-server
tampering (a Java job that signals and tries to attach to the javac server), and IPC objects
left for the next job.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from forgeries import FORGERIES, Forgery
from sandbox_fixtures import judge, load_data, make_backend, tasks_of

from humaneval_x.languages import LANGUAGE_KEYS, get_language
from humaneval_x.samples import Sample

RUN_S = 10.0
BACKENDS = [
    pytest.param("local", marks=pytest.mark.toolchain),
    pytest.param("docker", marks=pytest.mark.docker),
]


@pytest.fixture(scope="module", params=BACKENDS)
def verdicts(request, tmp_path_factory):
    """The rows of every forgery and of the canonical controls, judged in one run."""
    kind = request.param
    dataset = load_data(kind)
    tasks = {number: tasks_of(dataset, number) for number in (30, 53)}
    samples, keys = [], {}
    for number, forgery in enumerate(FORGERIES, start=1):
        task = tasks[forgery.problem][forgery.language]
        samples.append(Sample(task, number, forgery.completion))
        keys[forgery.id] = (task.task_id, number)
    controls = {}
    for by_language in tasks.values():
        for task in by_language.values():
            samples.append(Sample(task, 0, task.problem.canonical_solution))
            controls[task.task_id] = (task.task_id, 0)
    with make_backend(kind, list(LANGUAGE_KEYS)) as backend:
        rows = judge(backend, samples, tmp_path_factory.mktemp(f"forgery-{kind}"), RUN_S)
    forged = {name: rows[key] for name, key in keys.items()}
    return kind, forged, [rows[key] for key in controls.values()]


@pytest.mark.parametrize("forgery", FORGERIES, ids=lambda forgery: forgery.id)
def test_no_forgery_passes(verdicts, forgery: Forgery) -> None:
    _, rows, _ = verdicts
    row = rows[forgery.id]
    assert row["status"] != "passed", row
    if forgery.integrity:
        assert row["integrity"] == forgery.integrity, row


def test_canonical_controls_of_the_same_run_pass(verdicts) -> None:
    _, _, controls = verdicts
    assert [row for row in controls if row["status"] != "passed"] == []


def test_the_catalogue_covers_each_category_three_times_a_language() -> None:
    counts: dict[tuple[str, str], int] = {}
    for forgery in FORGERIES:
        key = (forgery.category, forgery.language)
        counts[key] = counts.get(key, 0) + 1
    assert all(count >= 3 for count in counts.values()), counts
    assert {language for _, language in counts} == set(LANGUAGE_KEYS)


RUST_NEIGHBOURS = "".join(
    f"mod humaneval_x_{k} {{ pub mod humaneval_x_test {{ pub mod tests {{\n"
    f"    #[test] pub fn humaneval_x_driver() {{ std::process::exit(0) }}\n}} }} }}\n"
    for k in range(16)
)
GO_BOOM = "var hxNil []int\nvar hxBoom = hxNil[3]\n"


@pytest.mark.parametrize("kind", BACKENDS)
def test_a_batch_member_cannot_change_its_neighbours_verdicts(kind: str, tmp_path: Path) -> None:
    """Rust: a member declaring the neighbours' driver paths; Go: one whose init panics."""
    dataset = load_data(kind)
    rust = [t for t in tasks_of_language(dataset, "rust") if t.problem.number < 16]
    go = [t for t in tasks_of_language(dataset, "go") if t.problem.number < 16]
    wrong = get_language("rust").wrong_completion
    samples = [Sample(rust[0], 1, rust[0].problem.canonical_solution + RUST_NEIGHBOURS)]
    samples += [Sample(task, 1, wrong) for task in rust[1:]]
    samples += [Sample(go[0], 1, go[0].problem.canonical_solution + GO_BOOM)]
    samples += [Sample(task, 1, task.problem.canonical_solution) for task in go[1:]]
    with make_backend(kind, ["go", "rust"]) as backend:
        rows = judge(backend, samples, tmp_path, RUN_S)
    statuses = {task_id: row["status"] for (task_id, _), row in rows.items()}
    assert [t for t in rust[1:] if statuses[t.task_id] == "passed"] == []
    assert [t for t in go[1:] if statuses[t.task_id] != "passed" and t.task_id != "Go/95"] == []
    assert statuses[go[0].task_id] == "runtime_error"


# A wrong CPP/1 that defines CPP/0's entry point correctly and, from a constructor, asks for
# the other test of its batch of two (CPP/0's); a CPP/3 that also defines CPP/4's, wrongly.
CPP_PICKS_A_NEIGHBOUR = """    return {};
}
bool has_close_elements(vector<float> numbers, float threshold) {
    for (size_t i = 0; i < numbers.size(); i++)
        for (size_t j = i + 1; j < numbers.size(); j++)
            if (abs(numbers[i] - numbers[j]) < threshold) return true;
    return false;
}
__attribute__((constructor)) static void pick(int argc, char **argv, char **) {
    if (argc > 1) argv[1][0] = argv[1][0] == '0' ? '1' : '0';
}
"""
CPP_DEFINES_A_NEIGHBOUR = "float mean_absolute_deviation(vector<float> numbers) { return -1; }\n"


@pytest.mark.parametrize("kind", BACKENDS)
def test_a_cpp_batch_member_runs_its_own_test_only(kind: str, tmp_path: Path) -> None:
    dataset = load_data(kind)
    cpp = {t.task_id: t for t in tasks_of_language(dataset, "cpp") if t.problem.number < 5}
    completions = {task_id: t.problem.canonical_solution for task_id, t in cpp.items()}
    completions["CPP/1"] = CPP_PICKS_A_NEIGHBOUR
    completions["CPP/3"] += CPP_DEFINES_A_NEIGHBOUR
    statuses = {}
    with make_backend(kind, ["cpp"]) as backend:
        for pair in (("CPP/0", "CPP/1"), ("CPP/3", "CPP/4")):  # each pair one batch
            samples = [Sample(cpp[task_id], 1, completions[task_id]) for task_id in pair]
            rows = judge(backend, samples, tmp_path / pair[0].replace("/", "-"), RUN_S)
            statuses.update({task_id: row["status"] for (task_id, _), row in rows.items()})
    expected = {"CPP/0": "passed", "CPP/1": "failed", "CPP/3": "passed", "CPP/4": "passed"}
    assert statuses == expected


def tasks_of_language(dataset, language: str):
    from humaneval_x.tasks import generation_tasks

    return generation_tasks(dataset, [language])


JAVA_TAMPER = """        for (ProcessHandle process : ProcessHandle.allProcesses().toList()) {
            String command = process.info().commandLine().orElse("");
            if (!command.contains("JavacServer")) continue;
            for (String signal : new String[] {"-QUIT", "-STOP", "-KILL"}) {
                try {
                    new ProcessBuilder("kill", signal, "" + process.pid()).start().waitFor();
                } catch (Exception ignored) {}
            }
            try {
                Class<?> vm = Class.forName("com.sun.tools.attach.VirtualMachine");
                vm.getMethod("attach", String.class).invoke(null, "" + process.pid());
                System.out.println("ATTACHED");
            } catch (Throwable ignored) {}
        }
        return x + y;
    }
}
"""


@pytest.mark.parametrize("kind", BACKENDS)
def test_jobs_cannot_reach_the_javac_server(kind: str, tmp_path: Path) -> None:
    dataset = load_data(kind)
    task = tasks_of(dataset)["java"]
    with make_backend(kind, ["java"]) as backend:
        first = judge(backend, [Sample(task, 1, JAVA_TAMPER)] * 1, tmp_path / "a", RUN_S)
        later = [Sample(task, 2, "        return x +;\n    }\n}\n")]
        later += [Sample(task, 3, task.problem.canonical_solution)]
        after = judge(backend, later, tmp_path / "b", RUN_S)
    assert "ATTACHED" not in str(first), first
    assert after[(task.task_id, 2)]["status"] == "compile_error"
    assert after[(task.task_id, 3)]["status"] == "passed"


IPC_LEAVE = """import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmget(0x48580001, 4096, 0o1666)
libc.msgget(0x48580001, 0o1666)
libc.mq_open(b"/humaneval-x-left", 0o100 | 0o2, 0o666, None)
"""
IPC_FIND = """import ctypes
libc = ctypes.CDLL(None, use_errno=True)
found = [libc.shmget(0x48580001, 0, 0) >= 0, libc.msgget(0x48580001, 0) >= 0,
         libc.mq_open(b"/humaneval-x-left", 0) >= 0]
assert not any(found), found
"""


@pytest.mark.parametrize("kind", BACKENDS)
def test_ipc_objects_do_not_outlive_their_job(kind: str, tmp_path: Path) -> None:
    dataset = load_data(kind)
    task = tasks_of(dataset)["python"]
    body = task.problem.canonical_solution + "\n"
    with make_backend(kind, ["python"], workers=1) as backend:
        judge(backend, [Sample(task, 1, body + IPC_LEAVE)], tmp_path / "a", RUN_S)
        rows = judge(backend, [Sample(task, 2, body + IPC_FIND)], tmp_path / "b", RUN_S)
    assert rows[(task.task_id, 2)]["status"] == "passed", rows
