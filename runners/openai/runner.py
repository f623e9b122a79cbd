"""The OpenAI-compatible runner: completions (or chat) requests to a server, in parallel."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from humaneval_x.errors import InputError
from humaneval_x.languages import get_language
from humaneval_x.languages.base import LanguageSpec
from humaneval_x.runner import Completion, Runner, Sampling, task_seed
from humaneval_x.tasks import Task
from runners.openai.chat import PROMPT_FORMAT, block_closed, chat_prompt, completion_text
from runners.openai.client import Backoff, Client, ServerError
from runners.openai.provenance import server_facts
from runners.stopping import DESCRIPTION, finish, finished_prefix


@dataclass(frozen=True)
class Options:
    """What the runner is built from (the CLI options of `Factory`)."""

    base_url: str
    model: str
    api_key_env: str | None = None
    chat: bool = False
    concurrency: int = 8
    retries: int = 5
    backoff_s: float = 1.0
    request_timeout_s: float = 600.0

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise InputError(f"--base-url {self.base_url!r}: expected http(s)://HOST:PORT[/v1]")
        if not self.model:
            raise InputError("--model is empty: give the model name the server serves")
        if self.concurrency < 1:
            raise InputError(f"--concurrency must be at least 1, got {self.concurrency}")
        if self.retries < 0 or self.backoff_s < 0 or self.request_timeout_s <= 0:
            raise InputError("--retries and --backoff must be >= 0, --request-timeout > 0")

    @property
    def path(self) -> str:
        return "/v1/chat/completions" if self.chat else "/v1/completions"

    def api_key(self) -> str | None:
        if self.api_key_env is None:
            return None
        if self.api_key_env not in os.environ:
            raise InputError(f"--api-key-env {self.api_key_env}: ${self.api_key_env} is not set")
        return os.environ[self.api_key_env]


class Answer:
    """The streamed answer to one request: `count` choices, each read until it is finished
    (the stop rule holds at a line end, or in chat mode the first code block is closed)."""

    def __init__(self, spec: LanguageSpec, count: int, chat: bool) -> None:
        self.spec, self.chat = spec, chat
        self.texts = [""] * count
        self.reasons: list[str | None] = [None] * count
        self.stopped = [False] * count
        self.searched = [0] * count

    def feed(self, event: dict) -> bool:
        for choice in event.get("choices") or []:
            index = choice.get("index", 0)
            if not 0 <= index < len(self.texts):
                raise ServerError(f"the answer has choice {index}; {len(self.texts)} were asked")
            piece = (choice.get("delta") or {}).get("content") if self.chat else choice.get("text")
            self.texts[index] += piece or ""
            self.reasons[index] = choice.get("finish_reason") or self.reasons[index]
            self.stopped[index] = self.stopped[index] or self._finished(index)
        return self.complete()

    def complete(self) -> bool:
        """Whether every choice is finished: cut by the stop rule, or ended by the server."""
        pairs = zip(self.stopped, self.reasons, strict=True)
        return all(stopped or reason for stopped, reason in pairs)

    def completions(self, task: Task) -> list[Completion]:
        """Each choice's text cut by the stop rule and cleaned; chat replies aligned first."""
        result = []
        for text, reason in zip(self.texts, self.reasons, strict=True):
            code = completion_text(task, text) if self.chat else text
            generation, how = finish(self.spec, code, "length" if reason == "length" else "eos")
            result.append(Completion(generation, how))
        return result

    def _finished(self, index: int) -> bool:
        text = self.texts[index]
        if self.chat:
            return block_closed(text)
        cut = finished_prefix(self.spec, text, complete=False, start=self.searched[index])
        self.searched[index] = len(text)
        return cut is not None


class Choices:
    """Reads which choice indices an answer holds (to learn whether the server honours n)."""

    def __init__(self) -> None:
        self.indices: set[int] = set()

    def feed(self, event: dict) -> bool:
        self.indices.update(choice.get("index", 0) for choice in event.get("choices") or [])
        return False

    def complete(self) -> bool:
        return True


class OpenAIRunner(Runner):
    name = "openai"

    def __init__(self, options: Options) -> None:
        self.options = options
        self.api_key = options.api_key()
        self._facts: dict | None = None

    def describe(self) -> dict:
        """Provenance: the served model and server as they describe themselves, the endpoint,
        and in chat mode the prompt format. Concurrency, retries and timeouts are left out:
        they do not change the samples."""
        facts = self.facts()
        described = {
            "runner": self.name,
            "model": self.options.model + (" (chat)" if self.options.chat else ""),
            "checkpoint": (facts["served_model"] or {}).get("root"),
            "endpoint": self.options.path,
            **facts,
            "stop_rule": DESCRIPTION,
        }
        if self.options.chat:
            described["chat_prompt"] = PROMPT_FORMAT
        return described

    def facts(self) -> dict:
        """What the server says about itself, and whether it draws n choices per request
        (asked once, then kept)."""
        if self._facts is None:
            self._facts = asyncio.run(self._ask_server())
        return self._facts

    def generate(
        self, tasks: Sequence[Task], sampling: Sampling
    ) -> Iterator[tuple[Task, list[Completion]]]:
        n_per_request = self.facts()["n_per_request"]
        loop = asyncio.new_event_loop()
        client = self._client()
        limit = asyncio.Semaphore(self.options.concurrency)
        pending = {
            loop.create_task(self._task(client, limit, task, sampling, n_per_request))
            for task in tasks
        }
        try:
            while pending:
                done, pending = loop.run_until_complete(
                    asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                )
                for future in done:
                    yield future.result()
        finally:
            loop.run_until_complete(_cancel(pending))
            loop.run_until_complete(client.close())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _task(
        self,
        client: Client,
        limit: asyncio.Semaphore,
        task: Task,
        sampling: Sampling,
        n_per_request: bool,
    ) -> tuple[Task, list[Completion]]:
        """The n completions of a task: greedy asks once and repeats the answer; otherwise one
        request of n choices where the server honours n, else n requests."""
        if sampling.greedy:
            draws = [(0, 1)]
        elif n_per_request:
            draws = [(0, sampling.n)]
        else:
            draws = [(index, 1) for index in range(sampling.n)]
        answers = await asyncio.gather(
            *(self._request(client, limit, task, sampling, first, count) for first, count in draws)
        )
        completions = [c for answer in answers for c in answer.completions(task)]
        return task, completions * (sampling.n if sampling.greedy else 1)

    async def _request(
        self,
        client: Client,
        limit: asyncio.Semaphore,
        task: Task,
        sampling: Sampling,
        first: int,
        count: int,
    ) -> Answer:
        """One request for samples first..first+count-1 of a task, seeded by (task, first)."""
        seed = task_seed(sampling.seed, f"{task.key}#{first}")
        body = self._body(task, sampling) | {"seed": seed}
        if count > 1:
            body["n"] = count
        spec = get_language(task.language)
        async with limit:
            return await client.stream(
                self.options.path, body, lambda: Answer(spec, count, self.options.chat)
            )

    def _body(self, task: Task, sampling: Sampling) -> dict:
        """The request without seed and n: the prompt (or chat message) and the sampling."""
        body: dict = {"model": self.options.model, "max_tokens": sampling.max_new_tokens}
        if self.options.chat:
            body["messages"] = [{"role": "user", "content": chat_prompt(task)}]
        else:
            body["prompt"] = task.prompt
        if sampling.greedy:
            return body | {"temperature": 0.0, "top_p": 1.0}
        body |= {"temperature": sampling.temperature, "top_p": sampling.top_p}
        if sampling.top_k > 0:  # not an OpenAI field: sent only when asked for
            body["top_k"] = sampling.top_k
        return body

    async def _ask_server(self) -> dict:
        client = self._client()
        try:
            facts = await server_facts(client, self.options.model)
            probe = {"model": self.options.model, "max_tokens": 1, "temperature": 1.0, "n": 2}
            if self.options.chat:
                probe["messages"] = [{"role": "user", "content": "Say hi."}]
            else:
                probe["prompt"] = "def"
            try:
                answer = await client.stream(self.options.path, probe, Choices)
            except ServerError:  # refused n; a real problem shows again on the first request
                return facts | {"n_per_request": False}
            return facts | {"n_per_request": answer.indices == {0, 1}}
        finally:
            await client.close()

    def _client(self) -> Client:
        backoff = Backoff(retries=self.options.retries, base_s=self.options.backoff_s)
        return Client(
            self.options.base_url,
            self.api_key,
            self.options.request_timeout_s,
            backoff,
            self.options.concurrency,
        )


async def _cancel(pending: set[asyncio.Task]) -> None:
    """Cancel the requests still running and wait until they have let go of their connections."""
    for future in pending:
        future.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
