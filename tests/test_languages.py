"""Each language's pass and failure paths through the local sandbox (problem 53: add(x, y))."""

from __future__ import annotations

import pytest

from humaneval_x.evaluate import EvaluationOptions, evaluate
from humaneval_x.samples import Sample
from humaneval_x.tasks import generation_tasks
from sandboxes.local import LocalBackend
from tests.conftest import require_toolchain

# completion per (language, expected status); problem 53 asks for add(x, y) everywhere.
CASES = {
    "python": {
        "passed": "    return x + y\n",
        "failed": "    return x - y\n",
        "compile_error": "    return x +\n",
        "runtime_error": "    return undefined_name\n",
        "timeout": "    while True:\n        pass\n",
    },
    "cpp": {
        "passed": "    return x + y;\n}\n",
        "failed": "    return x - y;\n}\n",
        "compile_error": "    return x +;\n}\n",
        "runtime_error": "    throw 1;\n}\n",
        "timeout": "    volatile int i = 0;\n    while (true) { i++; }\n}\n",
    },
    "java": {
        "passed": "        return x + y;\n    }\n}\n",
        "failed": "        return x - y;\n    }\n}\n",
        "compile_error": "        return x +;\n    }\n}\n",
        "runtime_error": "        throw new IllegalStateException();\n    }\n}\n",
        "timeout": "        while (true) {}\n    }\n}\n",
    },
    "js": {
        "passed": "  console.log('printing to stdout is fine');\n  return x + y;\n}\n",
        "failed": "  return x - y;\n}\n",
        "runtime_error": "  return undefinedName;\n}\n",
        "timeout": "  while (true) {}\n}\n",
    },
    "go": {
        "passed": "    return x + y\n}\n",
        "failed": "    return x - y\n}\n",
        "compile_error": "    return x +\n}\n",
        "runtime_error": "    var a []int\n    return a[x+100]\n}\n",
        "timeout": "    for {\n    }\n}\n",
    },
    "rust": {
        "passed": "    return x + y;\n}\n",
        "failed": "    return x - y;\n}\n",
        "compile_error": "    return x +;\n}\n",
        "runtime_error": "    let v: Vec<i32> = vec![];\n    v[(x + 100) as usize]\n}\n",
        "timeout": "    loop {}\n}\n",
    },
}


@pytest.mark.toolchain
@pytest.mark.parametrize("language", list(CASES))
def test_statuses(language, dataset, tmp_path):
    require_toolchain(language)
    task = next(t for t in generation_tasks(dataset, [language]) if t.problem.number == 53)
    expected = CASES[language]
    samples = [Sample(task, i, code) for i, code in enumerate(expected.values())]
    with LocalBackend() as backend:
        rows = evaluate(samples, tmp_path, backend, EvaluationOptions(3.0, progress=False))
    got = {row["completion_id"]: row["status"] for row in rows}
    assert [got[i] for i in range(len(samples))] == list(expected)
    assert all(row["passed"] == (row["status"] == "passed") for row in rows)
