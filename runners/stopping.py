"""The stop rule of text-producing runners, applied at line ends so it depends on the text alone.

A served model's text arrives in chunks whose boundaries depend on the server and its load, so
the language's stop rule (`spec.is_finished`) is checked at every line end instead of after
every token: the completion ends at the first line end where the rule holds, then the language
cleanup (`spec.clean`) trims it. The cut is the same whether the text came whole, streamed, or
from an in-process model.
"""

from __future__ import annotations

from humaneval_x.languages.base import LanguageSpec

DESCRIPTION = "the language's stop rule at line ends, then its cleanup (runners/stopping.py)"


def finished_prefix(spec: LanguageSpec, text: str, complete: bool, start: int = 0) -> int | None:
    """Where `text` ends as a finished completion: the first line end at or after `start` (the
    end of the text too when `complete`, i.e. no more text will come) at which the stop rule
    holds; None when there is none yet."""
    end = text.find("\n", start)
    while end >= 0:
        if spec.is_finished(text[:end]):
            return end
        end = text.find("\n", end + 1)
    if complete and spec.is_finished(text):
        return len(text)
    return None


def finish(spec: LanguageSpec, text: str, reason: str) -> tuple[str, str]:
    """The cleaned completion of a model's whole `text` and its finish: "stop_rule" when the rule
    cut it, else `reason` ("eos" or "length")."""
    cut = finished_prefix(spec, text, complete=True)
    if cut is None:
        return spec.clean(text), reason
    return spec.clean(text[:cut]), "stop_rule"
