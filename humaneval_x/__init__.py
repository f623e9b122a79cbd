"""HumanEval-X benchmark harness: data, tasks, prompts, evaluation, metrics, CLI."""

__version__ = "0.1.0"
