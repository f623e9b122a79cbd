"""The OpenAI-compatible runner: any server with /v1/completions or /v1/chat/completions."""

from __future__ import annotations

import argparse

from humaneval_x.errors import InputError
from humaneval_x.runner import Runner, RunnerFactory


class Factory(RunnerFactory):
    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        group = parser.add_argument_group("openai runner")
        group.add_argument("--base-url", help="the server, e.g. http://127.0.0.1:8000 (or …/v1)")
        group.add_argument("--model", help="the model name the server serves (see /v1/models)")
        group.add_argument("--api-key-env", default=None, metavar="VAR",
                           help="environment variable holding the API key (sent as a bearer "
                           "token); none by default")  # fmt: skip
        group.add_argument("--chat", action="store_true",
                           help="ask /v1/chat/completions with an instruction, and read the code "
                           "out of the reply (for instruction-tuned models)")  # fmt: skip
        group.add_argument("--concurrency", type=int, default=8,
                           help="requests in flight at once (default 8)")  # fmt: skip
        group.add_argument("--retries", type=int, default=5,
                           help="tries again after a timeout, a lost connection, 429 or 5xx "
                           "(default 5)")  # fmt: skip
        group.add_argument("--backoff", type=float, default=1.0, metavar="SECONDS",
                           help="first wait before a retry, doubled each time, with jitter "
                           "(default 1)")  # fmt: skip
        group.add_argument("--request-timeout", type=float, default=600.0, metavar="SECONDS",
                           help="limit for connecting and for each read (default 600)")  # fmt: skip

    @staticmethod
    def from_args(args: argparse.Namespace) -> Runner:
        if not args.base_url or not args.model:
            raise InputError("the openai runner needs --base-url and --model")
        try:
            from runners.openai.runner import OpenAIRunner, Options
        except ImportError as exc:
            raise InputError(
                f"the openai runner needs {exc.name}: pip install 'humaneval-x[openai]'"
            ) from None
        options = Options(
            base_url=args.base_url,
            model=args.model,
            api_key_env=args.api_key_env,
            chat=args.chat,
            concurrency=args.concurrency,
            retries=args.retries,
            backoff_s=args.backoff,
            request_timeout_s=args.request_timeout,
        )
        return OpenAIRunner(options)
