"""--postprocess codegeex: CodeGeeX's stop rules and cleanup on raw model output."""

from __future__ import annotations

import json
import time

import pytest

from humaneval_x.cli import main
from humaneval_x.errors import InputError
from humaneval_x.postprocess import codegeex, postprocess
from tests.conftest import data_dir, require_toolchain

BODY = "    return sorted(set(l))\n"
MAIN_BLOCK = '\n\nif __name__ == "__main__":\n    import doctest\n    doctest.testmod()\n'


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        (BODY + MAIN_BLOCK, BODY + "\n"),
        (BODY + '\nif __name__ == "__main__":\n', BODY),
        (BODY + "\n\ndef helper(x):\n    return x\n", BODY + "\n"),
        (BODY + "\nx = unique([1])\nprint(x)\n", BODY),
        (BODY + "<|endoftext|>\ndef other():\n", BODY),
        ("return 1\n", ""),  # not indented: CodeGeeX's evaluator keeps nothing
        (BODY, BODY),
    ],
)
def test_python(raw, cleaned):
    assert codegeex(raw, "python") == cleaned


@pytest.mark.parametrize(
    ("language", "raw", "cleaned"),
    [
        ("cpp", "    return a+b;\n}\n\nint main() {\n    return 0;\n}\n", "    return a+b;\n}"),
        ("js", "  return a;\n}\nconsole.log(add(1, 2));\n", "  return a;\n}"),
        ("go", "    return x\n}\n\nfunc main() {\n}\n", "    return x\n}"),
        ("rust", "    a+b\n}\n\nfn main() {\n}\n", "    a+b\n}"),
        (
            "java",
            "        return a;\n    }\n    public static void main(String[] a) {\n    }\n}\n",
            "        return a;\n    }\n}",
        ),
        ("cpp", "    if (a) { return 1; } else { return 2; }\n}\nint x;", "    if (a) { return 1; }"
         " else { return 2; }\n}"),
    ],
)  # fmt: skip
def test_brace_languages_stop_at_the_closing_brace(language, raw, cleaned):
    assert codegeex(raw, language) == cleaned


def test_none_judges_what_is_written_and_unknown_modes_are_refused(dataset):
    from humaneval_x.samples import Sample
    from humaneval_x.tasks import build_tasks

    task = build_tasks(dataset, "generation", ["python"])[0]
    samples = [Sample(task, 0, BODY + MAIN_BLOCK)]
    assert postprocess(samples, "none") == samples
    assert postprocess(samples, "codegeex")[0].generation == BODY + "\n"
    with pytest.raises(InputError, match="unknown post-processing 'gpt'"):
        postprocess(samples, "gpt")


def test_long_raw_text_that_never_stops_is_quick():
    raw = "    x = 1\n" * 400  # 4000 characters, the stop rule never holds
    started = time.monotonic()
    assert codegeex(raw, "python") == raw
    braces = "    x = {1};\n" * 300
    assert codegeex(braces, "cpp") == braces[: braces.rfind("}") + 1]
    assert time.monotonic() - started < 2


@pytest.mark.toolchain
def test_a_main_block_after_the_body_is_judged_as_codegeex_judges_it(tmp_path, dataset, capsys):
    require_toolchain("python")
    solution = dataset.problem("Python/0").canonical_solution
    path = tmp_path / "raw.jsonl"
    cut = solution + '\n\nif __name__ == "__main__":\n'  # raw output cut at the length cap
    path.write_text(json.dumps({"task_id": "Python/0", "generation": cut}))

    def status(mode: str) -> str:
        out = tmp_path / mode
        argv = ["evaluate", str(path), "--out", str(out), "--sandbox", "local", "--no-cache",
                "--languages", "python", "--data-dir", str(data_dir()), "--no-progress",
                "--postprocess", mode]  # fmt: skip
        assert main(argv) == 0
        assert json.loads((out / "summary.json").read_text())["postprocess"] == mode
        return json.loads((out / "results.jsonl").read_text())["status"]

    assert status("none") == "compile_error"
    assert status("codegeex") == "passed"
