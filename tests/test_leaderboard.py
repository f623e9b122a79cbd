"""Leaderboard JSON: schema, upsert, migration of legacy files, refusal of unknown versions."""

import argparse
import json
from pathlib import Path

import jsonschema
import pytest

from humaneval_x import leaderboard
from humaneval_x.errors import InputError


def write_summary(root: Path, run_id: str, model: str, checkpoint: str | None, **changes) -> Path:
    data = {
        "schema": "humaneval-x/summary/1",
        "run_id": run_id,
        "created": "2026-11-27T12:00:00Z",
        "harness_version": "0.1.0",
        "task": "generation",
        "model": {"runner": "codegeex", "model": model, "checkpoint": checkpoint},
        "sampling": {"n": 2, "temperature": 0.8, "top_p": 0.95, "seed": 42},
        "dataset": {"name": "THUDM/humaneval-x", "source": "local", "digest": "sha256:abc"},
        "sandbox": {
            "backend": "docker",
            "images": {"cpp": "sha256:1"},
            "toolchains": {"cpp": "g++ 12.2.0"},
        },
        "groups": ["python", "cpp"],
        "metrics": {
            "python": {"pass@1": 0.5, "pass@1_ci95": [0.0, 1.0], "n_tasks": 1, "n_samples": 2},
            "cpp": {"pass@1": 0.0, "n_tasks": 1, "status_counts": {"failed": 2}},
        },
        "average": {"pass@1": 0.25},
        "per_task": {"Python/0": [2, 1], "CPP/0": [2, 0]},
    }
    data.update(changes)
    folder = root / run_id
    folder.mkdir()
    (folder / "summary.json").write_text(json.dumps(data))
    return folder


def run_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    leaderboard.add_arguments(parser)
    return leaderboard.main(parser.parse_args(argv))


def test_schema_file_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(leaderboard.schema())
    assert leaderboard.schema()["properties"]["schema_version"]["const"] == 1


def test_entry_carries_scores_and_provenance(tmp_path: Path) -> None:
    entry = leaderboard.entry_from_run(write_summary(tmp_path, "r1", "codegeex-13b", "ckpt-1"))
    assert entry["groups"]["python"] == {"pass@1": 0.5, "pass@1_ci95": [0.0, 1.0], "n_tasks": 1}
    assert entry["average"] == {"pass@1": 0.25}
    assert entry["n"] == 2
    assert entry["sandbox"]["toolchains"] == {"cpp": "g++ 12.2.0"}
    assert (entry["dataset"]["digest"], entry["harness_version"], entry["date"]) == (
        "sha256:abc",
        "0.1.0",
        "2026-11-27T12:00:00Z",
    )


def test_cli_upserts_without_duplicates(tmp_path: Path) -> None:
    out = tmp_path / "results" / "leaderboard.json"
    first = write_summary(tmp_path, "r1", "codegeex-13b", "ckpt-1")
    other = write_summary(tmp_path, "r2", "codegen-16b", None)
    assert run_main([str(first), str(other), "--out", str(out)]) == 0
    rerun = write_summary(tmp_path, "r3", "codegeex-13b", "ckpt-1", average={"pass@1": 0.3})
    new_checkpoint = write_summary(tmp_path, "r4", "codegeex-13b", "ckpt-2")
    translation = write_summary(
        tmp_path, "r5", "codegeex-13b", "ckpt-1", task="translation", groups=["python->cpp"],
        metrics={"python->cpp": {"pass@1": 0.4}}, average={"pass@1": 0.4},
        per_task={"Python/0->CPP/0": [2, 1]},
    )  # fmt: skip
    assert (
        run_main([str(p) for p in (rerun, new_checkpoint, translation)] + ["--out", str(out)]) == 0
    )
    board = json.loads(out.read_text())
    jsonschema.validate(board, leaderboard.schema())
    keys = [(e["model"], e["checkpoint"], e["task"], e["run_id"]) for e in board["entries"]]
    assert keys == [
        ("codegeex-13b", "ckpt-1", "generation", "r3"),
        ("codegen-16b", None, "generation", "r2"),
        ("codegeex-13b", "ckpt-2", "generation", "r4"),
        ("codegeex-13b", "ckpt-1", "translation", "r5"),
    ]
    assert board["entries"][0]["average"] == {"pass@1": 0.3}


def test_upsert_same_run_twice_keeps_one_entry(tmp_path: Path) -> None:
    entry = leaderboard.entry_from_run(write_summary(tmp_path, "r1", "m", None))
    board = leaderboard.upsert(leaderboard.upsert(leaderboard.empty(), entry), entry)
    assert board["entries"] == [entry]


def test_invalid_values_are_refused_on_write(tmp_path: Path) -> None:
    entry = leaderboard.entry_from_run(write_summary(tmp_path, "r1", "m", None))
    entry["groups"]["cpp"]["pass@1"] = 1.5
    board = leaderboard.upsert(leaderboard.empty(), entry)
    out = tmp_path / "board.json"
    with pytest.raises(InputError, match=r"board\.json: \$\.entries\[0\]\.groups\.cpp.*1\.5"):
        leaderboard.write(board, out)
    assert not out.exists()


def test_bad_summary_is_refused_with_its_path(tmp_path: Path) -> None:
    bad = {"python": {"pass@1": 2.0}, "cpp": {}}
    with pytest.raises(InputError, match=r"r1/summary.json: \$\.groups\.python.*2\.0"):
        leaderboard.entry_from_run(write_summary(tmp_path, "r1", "m", None, metrics=bad))
    run = write_summary(tmp_path, "r2", "m", None, metrics={"python": {}})
    with pytest.raises(
        InputError, match=r"r2/summary.json: field 'metrics' lacks groups \['cpp'\]"
    ):
        leaderboard.entry_from_run(run)
    run = write_summary(tmp_path, "r3", "", None)
    with pytest.raises(InputError, match="r3/summary.json: field 'model.model'"):
        leaderboard.entry_from_run(run)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"schema_version": 1, "updated": "x"}, "'entries' is a required property"),
        ({"schema_version": 2, "entries": []}, "newer harness.*upgrade"),
        ({"schema_version": "1", "entries": []}, "not a leaderboard this harness knows"),
        ({"entries": []}, "not a leaderboard this harness knows"),
        ([{"model": "m", "task": "generation"}], r"legacy schema_version 0.*'pass@k'"),
    ],
)
def test_unreadable_files_are_refused(tmp_path: Path, content: object, message: str) -> None:
    path = tmp_path / "leaderboard.json"
    path.write_text(json.dumps(content))
    with pytest.raises(InputError, match=message):
        leaderboard.read(path)


def test_duplicate_keys_are_refused_on_read(tmp_path: Path) -> None:
    entry = leaderboard.entry_from_run(write_summary(tmp_path, "r1", "m", None))
    path = tmp_path / "leaderboard.json"
    path.write_text(json.dumps({**leaderboard.empty(), "entries": [entry, entry]}))
    with pytest.raises(InputError, match="repeat"):
        leaderboard.read(path)


def test_legacy_file_is_migrated_then_updated(tmp_path: Path) -> None:
    path = tmp_path / "leaderboard.json"
    legacy = [
        {"model": "m", "checkpoint": None, "task": "generation", "n": 2,
         "pass@k": {"python": {"pass@1": 0.2, "pass@10": 0.4}, "cpp": {"pass@1": 0.4}}},
        {"model": "old", "task": "generation", "pass@k": {"go": {"pass@1": 0.1}}},
    ]  # fmt: skip
    path.write_text(json.dumps(legacy))
    board = leaderboard.read(path)
    assert board["schema_version"] == 1
    first = board["entries"][0]
    assert first["migrated_from"] == 0
    assert first["average"] == pytest.approx({"pass@1": 0.3})
    assert (first["dataset"], first["sampling"], first["n"]) == (None, None, 2)
    assert run_main([str(write_summary(tmp_path, "r1", "m", None)), "--out", str(path)]) == 0
    rewritten = json.loads(path.read_text())
    assert rewritten["schema_version"] == 1
    assert [(e["model"], "migrated_from" in e) for e in rewritten["entries"]] == [
        ("m", False),
        ("old", True),
    ]


def test_cli_needs_runs_or_html(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="needs runs"):
        run_main(["--out", str(tmp_path / "l.json")])


def test_cli_renders_the_page_of_an_existing_board(tmp_path: Path) -> None:
    out, html = tmp_path / "l.json", tmp_path / "page" / "l.html"
    run_main([str(write_summary(tmp_path, "r1", "codegeex-13b", None)), "--out", str(out)])
    before = out.read_text()
    assert run_main(["--out", str(out), "--html", str(html)]) == 0
    assert out.read_text() == before
    assert "codegeex-13b" in html.read_text()
