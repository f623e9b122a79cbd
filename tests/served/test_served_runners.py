"""The openai runner against a real server (`transformers serve` with the designed tiny model),
and the transformers runner in this process on the same model.

The tiny model's greedy text is known (tests/served/tiny_model.py), so the samples are checked
exactly: "    return 1⏎def extra():…" becomes "    return 1" in Python (stop rule at the
top-level line, cleanup at "\\ndef"), "    return 1;⏎}⏎int extra() {}…" becomes
"    return 1;⏎}" in C++ (stop rule at the closing brace).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from humaneval_x.cli import main
from humaneval_x.generate import read_meta
from humaneval_x.languages.base import STATUSES
from runners.openai.chat import GENERATION
from tests.conftest import data_dir, require_toolchain
from tests.served.faulty_proxy import FaultyProxy

pytestmark = pytest.mark.server

SHARD = "0/82"  # problems 0 and 82 of each language
LANGUAGES = "python,cpp"
COMPLETIONS = {"Python": ("    return 1", "stop_rule"), "CPP": ("    return 1;\n}", "stop_rule")}
CHAT = {"Python": ("    return 3\n", "eos"), "CPP": ("    return 3;\n}", "stop_rule")}


def common(*options: str) -> list[str]:
    """Options of a greedy run over two problems of Python and C++ (later options win)."""
    return ["--data-dir", str(data_dir()), "--languages", LANGUAGES, "--shard", SHARD,
            "--greedy", "--max-new-tokens", "16", "--no-progress", *options]  # fmt: skip


def served(url: str, model: Path, *options: str) -> list[str]:
    return ["--runner", "openai", "--base-url", url, "--model", str(model), *common(*options)]


def generate(options: list[str], out: Path) -> int:
    return main(["generate", *options, "--out", str(out)])


def rows(path: Path) -> list[dict]:
    return sorted(
        (json.loads(line) for line in path.read_text().splitlines()),
        key=lambda row: (row["task_id"], row["completion_id"]),
    )


def expected(table: dict[str, tuple[str, str]], n: int) -> list[dict]:
    """The rows a run of `n` samples per task must hold."""
    return sorted(
        ({"task_id": f"{prefix}/{number}", "completion_id": i, "generation": text, "finish": how}
         for prefix, (text, how) in table.items() for number in (0, 82) for i in range(n)),
        key=lambda row: (row["task_id"], row["completion_id"]),
    )  # fmt: skip


def port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def test_completions_follow_the_stop_rules_and_record_the_server(server, tiny_model, tmp_path):
    out = tmp_path / "run" / "samples.jsonl"
    assert generate(served(server.url, tiny_model, "--n", "2"), out) == 0
    assert rows(out) == expected(COMPLETIONS, 2)
    model = read_meta(out)["model"]
    assert model["runner"] == "openai" and model["model"] == str(tiny_model)
    assert model["endpoint"] == "/v1/completions"
    assert model["served_model"] == {"id": str(tiny_model), "owned_by": "local"}  # no load state
    assert model["headers"]["server"] == "uvicorn"
    assert model["n_per_request"] is False  # transformers serve ignores n


def test_greedy_runs_agree_with_each_other_and_with_the_model_in_process(
    server, tiny_model, tmp_path
):
    everything = ("--languages", "python,cpp,java,js,go,rust")
    first, second = tmp_path / "a" / "samples.jsonl", tmp_path / "b" / "samples.jsonl"
    assert generate(served(server.url, tiny_model, *everything), first) == 0
    assert generate(served(server.url, tiny_model, *everything, "--concurrency", "1"), second) == 0
    local = tmp_path / "local" / "samples.jsonl"
    in_process = ["--runner", "transformers", "--model", str(tiny_model), "--device", "cpu",
                  *common(*everything)]  # fmt: skip
    assert generate(in_process, local) == 0
    assert rows(first) == rows(second) == rows(local)
    assert len(rows(first)) == 12 and all(row["finish"] == "stop_rule" for row in rows(first))
    assert read_meta(local)["model"]["runner"] == "transformers"


def test_chat_mode_reads_the_code_out_of_the_reply(server, tiny_model, tmp_path):
    out = tmp_path / "chat" / "samples.jsonl"
    assert generate(served(server.url, tiny_model, "--chat"), out) == 0
    assert rows(out) == expected(CHAT, 1)
    model = read_meta(out)["model"]
    assert model["model"] == f"{tiny_model} (chat)"
    assert model["endpoint"] == "/v1/chat/completions"
    assert model["chat_prompt"]["generation"] == GENERATION


def test_n_samples_are_separate_requests_when_the_server_ignores_n(server, tiny_model, tmp_path):
    before = server.requests("/v1/completions")
    out = tmp_path / "sampled" / "samples.jsonl"
    options = served(server.url, tiny_model, "--n", "3", "--temperature", "0.8")
    assert generate([o for o in options if o != "--greedy"], out) == 0
    assert [(r["task_id"], r["completion_id"]) for r in rows(out)] == [
        (r["task_id"], r["completion_id"]) for r in expected(COMPLETIONS, 3)
    ]
    assert all(r["finish"] in ("eos", "stop_rule", "length") for r in rows(out))
    assert server.requests("/v1/completions") - before == 1 + 4 * 3  # the n probe, then 1 each


def test_resume_after_an_interrupted_run(server, tiny_model, tmp_path, capsys):
    options = served(server.url, tiny_model, "--n", "2")
    complete = tmp_path / "a" / "samples.jsonl"
    assert generate(options, complete) == 0
    partial = tmp_path / "b" / "samples.jsonl"
    shutil.copytree(complete.parent, partial.parent)
    lines = complete.read_text().splitlines(keepends=True)
    partial.write_text("".join(lines[:3]) + lines[3][:12])  # a task half written, a torn line
    capsys.readouterr()
    assert generate(options, partial) == 0
    assert "5 new samples for 4 tasks" in capsys.readouterr().out
    assert rows(partial) == rows(complete)


def test_retries_through_errors_timeouts_and_dropped_connections(server, tiny_model, tmp_path):
    faults = ("503", "429", "drop", "stall")
    out = tmp_path / "retried" / "samples.jsonl"
    with FaultyProxy(port(server.url), faults) as proxy:
        options = served(proxy.url, tiny_model, "--request-timeout", "2", "--backoff", "0.05",
                         "--concurrency", "1")  # fmt: skip
        assert generate(options, out) == 0
    assert proxy.served == list(faults) and proxy.forwarded >= 1
    assert rows(out) == expected(COMPLETIONS, 1)


def test_a_server_that_starts_late_is_waited_for(server, tiny_model, tmp_path):
    out = tmp_path / "late" / "samples.jsonl"
    with FaultyProxy(port(server.url), delay_s=3.0) as proxy:
        options = served(proxy.url, tiny_model, "--backoff", "0.5", "--retries", "8")
        assert generate(options, out) == 0
    assert rows(out) == expected(COMPLETIONS, 1)


def test_retries_run_out_with_one_line(server, tiny_model, tmp_path, capsys):
    out = tmp_path / "failed" / "samples.jsonl"
    with FaultyProxy(port(server.url), ("503",) * 5) as proxy:
        options = served(proxy.url, tiny_model, "--retries", "2", "--backoff", "0.01")
        assert generate(options, out) == 2
    error = capsys.readouterr().err
    assert len(error.strip().splitlines()) == 1 and "Traceback" not in error
    assert "no answer after 3 tries" in error and "HTTP 503" in error
    assert proxy.served == ["503"] * 3


@pytest.mark.toolchain
def test_bench_evaluates_served_samples_for_compare_and_leaderboard(server, tiny_model, tmp_path):
    for language in LANGUAGES.split(","):
        require_toolchain(language)
    sandbox = ["--sandbox", "local", "--workers", "2", "--no-cache"]
    runs = {name: tmp_path / name for name in ("completions", "chat")}
    assert main(["bench", *served(server.url, tiny_model), *sandbox,
                 "--out", str(runs["completions"])]) == 0  # fmt: skip
    assert main(["bench", *served(server.url, tiny_model, "--chat"), *sandbox,
                 "--out", str(runs["chat"])]) == 0  # fmt: skip
    for run in runs.values():
        results = [json.loads(line) for line in (run / "results.jsonl").open()]
        assert len(results) == 4 and all(r["status"] in STATUSES for r in results)
        summary = json.loads((run / "summary.json").read_text())
        assert summary["model"]["runner"] == "openai"
    assert main(["compare", str(runs["completions"]), str(runs["chat"]),
                 "--out", str(tmp_path / "compare")]) == 0  # fmt: skip
    assert (tmp_path / "compare" / "compare.json").is_file()
    board, page = tmp_path / "leaderboard.json", tmp_path / "leaderboard.html"
    assert main(["leaderboard", *map(str, runs.values()), "--out", str(board),
                 "--html", str(page)]) == 0  # fmt: skip
    entries = json.loads(board.read_text())["entries"]
    assert sorted(e["model"] for e in entries) == [str(tiny_model), f"{tiny_model} (chat)"]
    assert all(e["runner"] == "openai" for e in entries) and page.is_file()


def test_the_in_process_runner_draws_the_same_samples_again(tiny_model, tmp_path, capsys):
    options = ["--runner", "transformers", "--model", str(tiny_model), "--device", "cpu",
               "--batch-size", "2", *common("--n", "3", "--temperature", "0.8")]  # fmt: skip
    options.remove("--greedy")
    first, second = tmp_path / "a" / "samples.jsonl", tmp_path / "b" / "samples.jsonl"
    assert generate(options, first) == 0
    assert len({row["generation"] for row in rows(first)}) > 2  # the seeds differ
    shutil.copytree(first.parent, second.parent)
    second.write_text("".join(first.read_text().splitlines(keepends=True)[:4]))
    capsys.readouterr()
    assert generate(options, second) == 0
    assert "8 new samples for 4 tasks" in capsys.readouterr().out
    assert rows(second) == rows(first)
