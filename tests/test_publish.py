"""Every summary publishable: samples made elsewhere (CodeGeeX's gzipped raw generations), the
reference runner, both sandbox backends; provenance without local paths; the model flag."""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import jsonschema
import pytest

from humaneval_x import leaderboard
from humaneval_x.cli import main
from humaneval_x.errors import InputError
from humaneval_x.summary import build_summary, write_summary
from tests.conftest import data_dir, require_toolchain
from tests.sandbox_fixtures import unavailable

MAIN_BLOCK = '\n\nif __name__ == "__main__":\n    import doctest\n    doctest.testmod(\n'
DOCKER_SANDBOX = {  # what DockerBackend.describe() gives
    "backend": "docker",
    "images": {"python": {"tag": "humaneval-x/python:e65778ce5f3981b2", "id": "sha256:bc77"}},
    "toolchains": {"python": "Python 3.11.2"},
    "limits": {"memory_mb": 2048, "pids": 256, "cpus": 1.0, "workers": 2},
}
LOCAL_SANDBOX = {"backend": "local", "images": {}, "toolchains": {"python": "Python 3.11.2"}}


def publish(tmp_path: Path, *runs: Path) -> dict:
    parser = argparse.ArgumentParser()
    leaderboard.add_arguments(parser)
    out, html = tmp_path / "leaderboard.json", tmp_path / "leaderboard.html"
    assert leaderboard.main(parser.parse_args([*map(str, runs), "--out", str(out),
                                              "--html", str(html)])) == 0  # fmt: skip
    board = json.loads(out.read_text())
    jsonschema.validate(board, leaderboard.schema())
    return board


def no_local_paths(text: str, *paths: Path) -> bool:
    return not any(str(path) in text for path in (*paths, Path.cwd(), data_dir().resolve()))


def codegeex_file(path: Path, dataset, numbers: range) -> Path:
    """CodeGeeX's generation rows (prompt, raw generation, finish code), two per problem: the
    canonical body with a main block after it, and a wrong body with a helper after it."""
    rows = []
    for number in numbers:
        problem = dataset.problem(f"Python/{number}")
        rows.append(
            {
                "task_id": problem.task_id,
                "prompt": problem.prompt,
                "generation": problem.canonical_solution + MAIN_BLOCK,
                "finish": 1,
            }
        )
        rows.append(
            {
                "task_id": problem.task_id,
                "prompt": problem.prompt,
                "generation": "    return None\n\ndef helper():\n    pass\n",
                "finish": 1,
            }
        )
    path.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode()))
    return path  # fmt: skip


def evaluate_argv(samples: Path, out: Path, *extra: str) -> list[str]:
    return ["evaluate", str(samples), "--out", str(out), "--sandbox", "local", "--no-cache",
            "--data-dir", str(data_dir()), "--no-progress", *extra]  # fmt: skip


@pytest.mark.toolchain
def test_codegeex_gzipped_raw_generations_are_evaluated_and_published(tmp_path, dataset, capsys):
    require_toolchain("python")
    samples = codegeex_file(tmp_path / "codegeex-13b_python_samples.jsonl.gz", dataset, range(3))
    run = tmp_path / "team-a"
    argv = evaluate_argv(samples, run, "--postprocess", "codegeex", "--model", "codegeex-13b",
                         "--checkpoint", str(tmp_path / "ckpts" / "codegeex_13b.pt"),
                         "--sampling", "temperature=0.8,top_p=0.95,n=2",
                         "--run-name", "team-a-1")  # fmt: skip
    assert main(argv) == 0
    assert "| python | 50.00 | 3/164 | 6 | 3 | 3 |" in capsys.readouterr().out
    board = publish(tmp_path, run)
    (entry,) = board["entries"]
    assert (entry["model"], entry["checkpoint"], entry["run_id"]) == (
        "codegeex-13b", "codegeex_13b.pt", "team-a-1",
    )  # fmt: skip
    assert entry["sampling"] == {"temperature": 0.8, "top_p": 0.95, "n": 2}
    assert entry["postprocess"] == "codegeex" and entry["runner"] == "external"
    assert entry["groups"]["python"]["n_tasks"] == 3 and entry["groups"]["python"]["pass@1"] == 0.5
    assert entry["coverage"]["complete"] is False
    assert set(entry["dataset"]["digests"]) == {"python"}
    for published in (tmp_path / "leaderboard.json", run / "summary.json"):
        assert no_local_paths(published.read_text(), tmp_path)
    assert "1 of 6 languages, 3 of 164 problems" in (tmp_path / "leaderboard.html").read_text()


@pytest.mark.toolchain
def test_a_run_without_a_model_is_refused_naming_the_flag_then_named(tmp_path, dataset):
    require_toolchain("python")
    samples = codegeex_file(tmp_path / "python.jsonl.gz", dataset, range(1))
    run = tmp_path / "run"
    assert main(evaluate_argv(samples, run, "--postprocess", "codegeex")) == 0
    with pytest.raises(InputError, match=r"field 'model.model' is missing.*--model NAME"):
        publish(tmp_path, run)
    verdicts = (run / "results.jsonl").read_text()
    assert main(evaluate_argv(samples, run, "--postprocess", "codegeex", "--model", "m")) == 0
    assert (run / "results.jsonl").read_text() == verdicts  # resumed: nothing judged again
    assert publish(tmp_path, run)["entries"][0]["model"] == "m"


@pytest.mark.parametrize("sampling", ["n=1", "top_p=1.5", "temperature", "greedy=2"])
def test_bad_sampling_settings_are_refused(tmp_path, dataset, sampling, capsys):
    samples = codegeex_file(tmp_path / "python.jsonl.gz", dataset, range(1))
    assert main(evaluate_argv(samples, tmp_path / "run", "--sampling", sampling)) == 2
    assert "--sampling" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


@pytest.mark.toolchain
def test_reference_runner_runs_are_published(tmp_path):
    require_toolchain("python")
    run = tmp_path / "reference"
    argv = ["bench", "--runner", "reference", "--languages", "python", "--shard", "0/41",
            "--sandbox", "local", "--data-dir", str(data_dir()), "--no-progress",
            "--out", str(run)]  # fmt: skip
    assert main(argv) == 0
    (entry,) = publish(tmp_path, run)["entries"]
    assert (entry["model"], entry["runner"], entry["n"]) == ("canonical-solutions", "reference", 1)
    assert entry["groups"]["python"]["pass@1"] == 1.0 and entry["sampling"]["n"] == 1


@pytest.mark.parametrize("sandbox", [DOCKER_SANDBOX, LOCAL_SANDBOX])
def test_summaries_of_both_backends_fit_the_schema(tmp_path, dataset, sandbox):
    rows = [{"task_id": "Python/0", "completion_id": 0, "status": "passed", "passed": True,
             "program_sha256": "x"}]  # fmt: skip
    run = {"run_id": "r", "task": "generation", "model": {"model": "m", "checkpoint": None}}
    summary = build_summary(rows, dataset, sandbox, run, 1.0)
    write_summary(tmp_path / "r" / "summary.json", summary)
    (entry,) = publish(tmp_path, tmp_path / "r")["entries"]
    assert entry["sandbox"]["images"] == sandbox["images"]


@pytest.mark.docker
def test_a_docker_backend_run_is_published(tmp_path, dataset):
    from sandboxes.docker_backend import DockerBackend

    if not DockerBackend.available():
        unavailable("docker", "no Docker engine, or no sandbox images and no base image")
    samples = codegeex_file(tmp_path / "python.jsonl.gz", dataset, range(2))
    argv = evaluate_argv(samples, tmp_path / "run", "--model", "m", "--postprocess", "codegeex")
    assert main([*argv[:4], "--sandbox", "docker", *argv[6:]]) == 0
    (entry,) = publish(tmp_path, tmp_path / "run")["entries"]
    assert entry["sandbox"]["backend"] == "docker"
    assert entry["sandbox"]["images"]["python"]["id"].startswith("sha256:")
    assert entry["groups"]["python"]["pass@1"] == 0.5


@pytest.mark.toolchain
def test_a_codegeex_translation_file_is_judged_as_translation(tmp_path, dataset, capsys):
    require_toolchain("python")
    rows = [{"task_id": f"JavaScript/{i}", "generation": dataset.problem(f"Python/{i}")
             .canonical_solution} for i in range(3)]  # fmt: skip
    path = tmp_path / "codegeex-13b_js-to-python_samples.jsonl.gz"
    path.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode()))
    assert main(evaluate_argv(path, tmp_path / "run", "--languages", "python,js")) == 0
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert (summary["task"], summary["groups"]) == ("translation", ["js->python"])
    assert summary["per_task"] == {f"JavaScript/{i}->Python/{i}": [1, 1] for i in range(3)}
    assert "| js->python | 100.00 | 3/164 |" in capsys.readouterr().out


@pytest.mark.toolchain
def test_an_average_over_some_languages_is_marked_in_the_table(tmp_path, dataset, capsys):
    require_toolchain("python")
    require_toolchain("js")
    rows = [{"task_id": f"{prefix}/0", "generation": dataset.problem(f"{prefix}/0")
             .canonical_solution} for prefix in ("Python", "JavaScript")]  # fmt: skip
    path = tmp_path / "two.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(evaluate_argv(path, tmp_path / "run", "--workers", "1")) == 0
    out = capsys.readouterr().out
    assert "| average † | " in out
    assert "† the unweighted mean over 2 of 6 languages: js, python" in out
    assert "partial coverage: 2 of 6 languages, 2 of 328 problems" in out


@pytest.mark.toolchain
def test_samples_from_standard_input(tmp_path, dataset, monkeypatch, capsys):
    require_toolchain("python")
    samples = codegeex_file(tmp_path / "python.jsonl.gz", dataset, range(1))
    assert main(["evaluate", "-", "--data-dir", str(data_dir())]) == 2
    assert "standard input (-) need --out DIR" in capsys.readouterr().err
    with samples.open("rb") as stdin:
        monkeypatch.setattr("sys.stdin", argparse.Namespace(buffer=stdin))
        assert main(evaluate_argv(Path("-"), tmp_path / "run", "--postprocess", "codegeex")) == 0
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["per_task"] == {
        "Python/0": [2, 1]
    }


@pytest.mark.toolchain
def test_the_same_samples_judged_with_one_or_six_languages_compare(tmp_path, dataset, capsys):
    require_toolchain("python")
    samples = codegeex_file(tmp_path / "python.jsonl.gz", dataset, range(2))
    one = evaluate_argv(
        samples, tmp_path / "one", "--languages", "python", "--postprocess", "codegeex"
    )
    assert main(one) == 0
    assert main(evaluate_argv(samples, tmp_path / "six", "--postprocess", "codegeex")) == 0
    summaries = [json.loads((tmp_path / r / "summary.json").read_text()) for r in ("one", "six")]
    assert summaries[0]["dataset"] == summaries[1]["dataset"]
    assert main(["compare", str(tmp_path / "one"), str(tmp_path / "six")]) == 0
    assert (
        "| python * (2/164) | 50.00 | 50.00 | +0.00 [+0.00, +0.00] | 1 |" in capsys.readouterr().out
    )
