"""The openai runner without a server: requests per task, seeds, answers, backoff, bad input."""

from __future__ import annotations

import asyncio

import pytest

from humaneval_x.cli import main
from humaneval_x.languages import get_language
from humaneval_x.runner import Completion, Sampling, task_seed
from humaneval_x.tasks import build_tasks
from tests.conftest import data_dir
from tests.served.conftest import require_server_packages
from tests.served.faulty_proxy import free_port

require_server_packages(("httpx",))

from runners.openai.client import Backoff  # noqa: E402
from runners.openai.runner import Answer, OpenAIRunner, Options  # noqa: E402

PYTHON = get_language("python")


class ScriptedClient:
    """Stands in for the HTTP client: records each request body and answers every choice with
    "    return <seed>⏎def next():⏎" in two events."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []

    async def stream(self, path: str, body: dict, reader):
        self.bodies.append(body)
        answer = reader()
        for index in range(body.get("n", 1)):
            answer.feed({"choices": [{"index": index, "text": f"    return {body['seed']}\n"}]})
        for index in range(body.get("n", 1)):
            answer.feed({"choices": [{"index": index, "text": "def next():\n"}]})
        return answer


@pytest.fixture(scope="module")
def task(dataset):
    return build_tasks(dataset, "generation", ["python"])[0]


def draw(task, sampling: Sampling, n_per_request: bool) -> tuple[list, ScriptedClient]:
    runner = OpenAIRunner(Options(base_url="http://127.0.0.1:1", model="m"))
    client = ScriptedClient()
    limit = asyncio.Semaphore(2)
    _, completions = asyncio.run(runner._task(client, limit, task, sampling, n_per_request))
    return completions, client


def test_n_choices_in_one_request_where_the_server_honours_n(task):
    completions, client = draw(task, Sampling(n=3, seed=5), n_per_request=True)
    assert [body["n"] for body in client.bodies] == [3]
    seed = task_seed(5, f"{task.key}#0")
    assert [c.generation for c in completions] == [f"    return {seed}"] * 3
    assert {c.finish for c in completions} == {"stop_rule"}


def test_one_request_per_sample_otherwise_each_with_its_own_seed(task):
    completions, client = draw(task, Sampling(n=3, seed=5), n_per_request=False)
    seeds = [task_seed(5, f"{task.key}#{i}") for i in range(3)]
    assert [body["seed"] for body in client.bodies] == seeds
    assert all("n" not in body for body in client.bodies)
    assert [c.generation for c in completions] == [f"    return {s}" for s in seeds]


def test_greedy_asks_once_at_temperature_zero_and_repeats(task):
    completions, client = draw(task, Sampling(n=4, greedy=True, top_k=5), n_per_request=True)
    assert len(client.bodies) == 1 and "n" not in client.bodies[0]
    assert client.bodies[0]["temperature"] == 0.0 and "top_k" not in client.bodies[0]
    assert len(completions) == 4 and len({c.generation for c in completions}) == 1


def test_top_k_is_sent_only_when_asked_for(task):
    _, client = draw(task, Sampling(n=1, top_k=0), n_per_request=True)
    _, with_k = draw(task, Sampling(n=1, top_k=40), n_per_request=True)
    assert "top_k" not in client.bodies[0] and with_k.bodies[0]["top_k"] == 40


def test_an_answer_is_read_until_every_choice_is_finished():
    answer = Answer(PYTHON, 2, chat=False)
    assert not answer.feed({"choices": [{"index": 1, "text": "    return 1\nx = "}]})
    assert not answer.feed({"choices": [{"index": 0, "text": "    return 0\n"}]})
    assert not answer.feed({"choices": [{"index": 1, "text": "2\n"}]})  # choice 1 finished
    assert answer.stopped == [False, True] and not answer.complete()
    assert answer.feed({"choices": [{"index": 0, "text": "", "finish_reason": "length"}]})
    assert answer.completions(None) == [
        Completion("    return 0\n", "length"),
        Completion("    return 1\nx = 2", "stop_rule"),
    ]


def test_backoff_doubles_within_jitter_up_to_the_cap():
    backoff = Backoff(retries=5, base_s=1.0, cap_s=6.0)
    for attempt, ceiling in enumerate([1.0, 2.0, 4.0, 6.0, 6.0]):
        assert ceiling / 2 <= backoff.delay(attempt) <= ceiling
    assert backoff.delay(0, retry_after_s=3.0) == 3.0
    assert backoff.delay(0, retry_after_s=60.0) == 6.0


def run(capsys, *options: str) -> tuple[int, str]:
    argv = ["generate", "--runner", "openai", "--model", "m", "--data-dir", str(data_dir()),
            "--languages", "python", "--shard", "0/164", "--no-progress", *options]  # fmt: skip
    code = main(argv)
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--base-url", "127.0.0.1:8000"], "--base-url '127.0.0.1:8000': expected http(s)://"),
        (["--base-url", "http://x", "--concurrency", "0"], "--concurrency must be at least 1"),
        (["--base-url", "http://x", "--api-key-env", "HX_NO_SUCH_KEY"], "$HX_NO_SUCH_KEY is not"),
        (["--model", ""], "needs --base-url and --model"),
    ],
)
def test_bad_options_give_one_line(capsys, tmp_path, options, message):
    code, error = run(capsys, *options, "--out", str(tmp_path / "s.jsonl"))
    assert code == 2 and message in error and len(error.strip().splitlines()) == 1


def test_a_base_url_where_nothing_listens_gives_one_line(capsys, tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    code, error = run(capsys, "--base-url", url, "--retries", "0", "--out", str(tmp_path / "s"))
    assert code == 2 and "Traceback" not in error and len(error.strip().splitlines()) == 1
    assert f"{url}/v1/models: no answer after 1 tries (last: ConnectError" in error
    assert not (tmp_path / "s").exists()
