"""A run folder belongs to one set of samples and settings; sandbox errors are judged again."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from humaneval_x.cli import main
from humaneval_x.errors import InputError
from humaneval_x.evaluate import EvaluationOptions, evaluate
from humaneval_x.runfolder import clear, default_folder
from tests.conftest import REPO, data_dir, require_toolchain
from tests.test_cache import SANDBOX, FakeBackend, samples

OPTIONS = EvaluationOptions(progress=False)


def results(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "results.jsonl").read_text().splitlines()]


def test_a_resume_with_the_same_identity_judges_only_what_is_missing(tmp_path):
    texts = ["    return 1\n", "    return 2\n", "    return 3\n"]
    evaluate(samples(texts), tmp_path, FakeBackend(), OPTIONS)
    kept = (tmp_path / "results.jsonl").read_text().splitlines()[:1]
    (tmp_path / "results.jsonl").write_text(kept[0] + "\n")  # as if interrupted
    again = FakeBackend()
    rows = evaluate(samples(texts), tmp_path, again, OPTIONS)
    assert len(again.ran) == 2 and len(rows) == 3 and len(results(tmp_path)) == 3


def test_results_of_other_samples_are_refused_and_kept(tmp_path):
    evaluate(samples(["    return 1\n"]), tmp_path, FakeBackend(), OPTIONS)
    before = (tmp_path / "results.jsonl").read_text()
    other = FakeBackend()
    with pytest.raises(InputError) as error:
        evaluate(samples(["    return None\n"]), tmp_path, other, OPTIONS)
    message = str(error.value)
    assert f"{tmp_path} holds the results of another run: samples sha256: sha256:" in message
    assert "--out DIR" in message and "--overwrite" in message
    assert other.ran == [] and (tmp_path / "results.jsonl").read_text() == before


@pytest.mark.parametrize(
    ("changed", "named"),
    [
        ({"run_timeout_s": 3.0}, "run-time limit (--timeout): none, now 3.0"),
        ({"run_timeouts": {"Python/0": 2.0}}, "calibrated run-time"),
        ({"settings": {"languages": ["python"]}}, "languages"),
        ({"settings": {"postprocess": "codegeex"}}, "post-processing"),
    ],
)  # fmt: skip
def test_changed_settings_are_refused_with_what_differs(tmp_path, changed, named):
    evaluate(samples(["    return 1\n"]), tmp_path, FakeBackend(), OPTIONS)
    with pytest.raises(InputError, match="holds the results of another run") as error:
        evaluate(samples(["    return 1\n"]), tmp_path, FakeBackend(), EvaluationOptions(
            progress=False, **changed))  # fmt: skip
    assert named in str(error.value)


def test_another_sandbox_is_refused_but_another_worker_count_is_not(tmp_path):
    evaluate(samples(["    return 1\n"]), tmp_path, FakeBackend(), OPTIONS)
    more_workers = FakeBackend()
    more_workers.describe = lambda: {**SANDBOX, "limits": {"workers": 8}}
    evaluate(samples(["    return 1\n"]), tmp_path, more_workers, OPTIONS)
    other_languages = FakeBackend()  # toolchains of languages the samples do not have
    other_languages.describe = lambda: {**SANDBOX, "toolchains": {"python": "Python 3", "go": "1"}}
    evaluate(samples(["    return 1\n"]), tmp_path, other_languages, OPTIONS)
    newer = FakeBackend()
    newer.describe = lambda: {**SANDBOX, "toolchains": {"python": "Python 4"}}
    with pytest.raises(InputError, match="sandbox toolchains.python: Python 3, now Python 4"):
        evaluate(samples(["    return 1\n"]), tmp_path, newer, OPTIONS)


def test_results_without_an_identity_are_refused(tmp_path):
    (tmp_path / "results.jsonl").write_text('{"task_id": "Python/0", "completion_id": 0}\n')
    with pytest.raises(InputError, match="without a recorded run identity"):
        evaluate(samples(["    return 1\n"]), tmp_path, FakeBackend(), OPTIONS)


def test_clear_keeps_the_folders_other_files(tmp_path):
    evaluate(samples(["    return 1\n"]), tmp_path, FakeBackend(), OPTIONS)
    (tmp_path / "samples.jsonl").write_text("{}\n")
    clear(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["samples.jsonl"]
    evaluate(samples(["    return None\n"]), tmp_path, FakeBackend(), OPTIONS)


def test_sandbox_errors_are_judged_again_on_resume_and_never_cached(tmp_path):
    options = EvaluationOptions(progress=False, cache_dir=tmp_path / "cache")
    texts = ["    return 1\n", "    return 2\n"]
    broken = evaluate(
        samples(texts), tmp_path / "run", FakeBackend("job runner exited (1)"), options
    )
    assert [row["status"] for row in broken] == ["sandbox_error"] * 2
    assert not list((tmp_path / "cache").rglob("*.json"))
    retry = FakeBackend()
    rows = evaluate(samples(texts), tmp_path / "run", retry, options)
    assert len(retry.ran) == 2
    assert [row["status"] for row in rows] == ["passed"] * 2
    assert [row["status"] for row in results(tmp_path / "run")] == ["passed"] * 2


def test_default_folder_is_named_after_the_samples_file(tmp_path):
    assert default_folder(Path("x/team-a_python.jsonl.gz")) == Path("results/team-a_python")
    assert default_folder(Path("x/b.jsonl")) == Path("results/b")
    (tmp_path / "codegeex-generation").mkdir()
    named = default_folder(tmp_path / "codegeex-generation" / "samples.jsonl")
    assert named == Path("results/codegeex-generation")


# ---- the command line, on the local sandbox -------------------------------------------------


def _write(path: Path, generations: list[str]) -> Path:
    rows = [{"task_id": f"Python/{i}", "generation": g} for i, g in enumerate(generations)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def _evaluate(samples_path: Path, *extra: str) -> int:
    return main(["evaluate", str(samples_path), "--sandbox", "local", "--languages", "python",
                 "--data-dir", str(data_dir()), "--no-progress", "--no-cache", *extra])  # fmt: skip


@pytest.mark.toolchain
def test_cli_refuses_a_folder_of_another_samples_file(tmp_path, capsys, dataset):
    require_toolchain("python")
    good = [dataset.problem(f"Python/{i}").canonical_solution for i in range(3)]
    right = _write(tmp_path / "right.jsonl", good)
    wrong = _write(tmp_path / "wrong.jsonl", ["    return None\n"] * 3)
    out = tmp_path / "run"
    assert _evaluate(right, "--out", str(out)) == 0
    summary = (out / "summary.json").read_text()
    capsys.readouterr()
    assert _evaluate(wrong, "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert "holds the results of another run: samples sha256" in err and "--overwrite" in err
    assert (out / "summary.json").read_text() == summary
    assert _evaluate(wrong, "--out", str(out), "--languages", "python,cpp") == 2
    assert _evaluate(wrong, "--out", str(out), "--overwrite") == 0
    assert "| python | 0.00 |" in capsys.readouterr().out
    assert all(row["status"] != "passed" for row in results(out))


@pytest.mark.toolchain
def test_cli_default_folder_is_named_after_the_samples(tmp_path, monkeypatch, dataset):
    require_toolchain("python")
    monkeypatch.chdir(tmp_path)
    samples_path = _write(
        tmp_path / "team-a.jsonl", [dataset.problem("Python/0").canonical_solution]
    )
    assert _evaluate(samples_path) == 0
    assert (tmp_path / "results" / "team-a" / "summary.json").exists()


def test_make_evaluate_without_out_names_the_folder_after_the_samples():
    def dry_run(*variables: str) -> str:
        done = subprocess.run(["make", "-n", "evaluate", *variables], cwd=REPO,
                              capture_output=True, text=True, check=True)  # fmt: skip
        return done.stdout

    assert "--out" not in dry_run("SAMPLES=x/team.jsonl.gz")
    assert "--out results/mine" in dry_run("SAMPLES=x/team.jsonl.gz", "OUT=results/mine")
    published = dry_run("SAMPLES=x/team.jsonl.gz", "MODEL=m-1", "SAMPLING=top_p=0.95,n=2",
                        "POSTPROCESS=codegeex", "CHECKPOINT_LABEL=step-9")  # fmt: skip
    for option in ("--model 'm-1'", "--sampling 'top_p=0.95,n=2'", "--postprocess codegeex",
                   "--checkpoint 'step-9'"):  # fmt: skip
        assert option in published
