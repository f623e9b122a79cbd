"""`humaneval-x generate --runner codegeex` end to end on the tiny model: rows, seeds, resume."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from humaneval_x import leaderboard
from humaneval_x.cli import main
from tests.codegeex.conftest import tiny_model_args
from tests.conftest import require_toolchain

SHARD = "8/41"  # every 41st of the 164 Python tasks from the 9th: prompts under 128 tokens
TASKS = {"Python/8", "Python/49", "Python/90", "Python/131"}
N = 2


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_generate_resume_and_determinism(
    tmp_path, capsys, tiny_checkpoint, tokenizer_path, humaneval_data
):
    def generate(out: Path) -> str:
        assert (
            main(
                [
                    "generate",
                    "--runner",
                    "codegeex",
                    *tiny_model_args(tiny_checkpoint, tokenizer_path, batch_size=1),
                    "--languages",
                    "python",
                    "--data-dir",
                    str(humaneval_data),
                    "--shard",
                    SHARD,
                    "--n",
                    str(N),
                    "--max-new-tokens",
                    "8",
                    "--no-progress",
                    "--out",
                    str(out),
                ]
            )
            == 0
        )
        return capsys.readouterr().out

    first = tmp_path / "a" / "samples.jsonl"
    assert f"8 new samples for {len(TASKS)} tasks" in generate(first)
    written = rows(first)
    assert {(r["task_id"], r["completion_id"]) for r in written} == {
        (t, i) for t in TASKS for i in range(N)
    }
    assert all(r["finish"] in ("eos", "stop_rule", "length") for r in written)
    assert any(r["generation"] for r in written)

    assert "0 new samples" in generate(first)  # complete: a rerun adds nothing
    assert rows(first) == written

    partial = tmp_path / "b" / "samples.jsonl"  # an interrupted run of the same settings
    shutil.copytree(first.parent, partial.parent)
    partial.write_text("".join(json.dumps(r) + "\n" for r in written[:3]))
    assert "5 new samples" in generate(partial)
    key = lambda r: (r["task_id"], r["completion_id"])  # noqa: E731
    assert sorted(rows(partial), key=key) == sorted(written, key=key)  # same seed, same samples


@pytest.mark.toolchain
def test_a_codegeex_run_is_published_without_local_paths(
    tmp_path, tiny_checkpoint, tokenizer_path, humaneval_data
):
    require_toolchain("python")
    run = tmp_path / "codegeex-tiny"
    argv = ["bench", "--runner", "codegeex",
            *tiny_model_args(tiny_checkpoint, tokenizer_path, batch_size=1),
            "--languages", "python", "--data-dir", str(humaneval_data), "--shard", SHARD,
            "--max-new-tokens", "8", "--sandbox", "local", "--no-progress",
            "--out", str(run)]  # fmt: skip
    assert main(argv) == 0
    board = tmp_path / "leaderboard.json"
    assert main(["leaderboard", str(run), "--out", str(board)]) == 0
    (entry,) = json.loads(board.read_text())["entries"]
    jsonschema.validate(json.loads(board.read_text()), leaderboard.schema())
    assert (entry["runner"], entry["model"], entry["checkpoint"]) == (
        "codegeex", "CodeGeeX-tiny", tiny_checkpoint.name,
    )  # fmt: skip
    assert entry["groups"]["python"]["n_tasks"] == len(TASKS)
    for published in (board, run / "summary.json"):
        text = published.read_text()
        assert str(tiny_checkpoint.parent) not in text and str(tokenizer_path) not in text
