"""What is done to a sample's text before it is judged.

`none` (the default) judges what is written. `codegeex` turns raw model output into what
CodeGeeX's own generation and evaluation would have judged (FACTS §4.5-4.6): the text ends at
an end-of-text token; decoding stops at the first token after which the language's stop rule
holds; the language's cleanup trims the rest; and for Python, as CodeGeeX's evaluator does,
the body ends before its first line that is not indented.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from humaneval_x.errors import InputError
from humaneval_x.languages import get_language
from humaneval_x.samples import Sample

POSTPROCESSORS = ("none", "codegeex")
END_OF_TEXT = "<|endoftext|>"
TOKENS = re.compile(r"\w+|[ \t]+|[\s\S]")


def postprocess(samples: Sequence[Sample], mode: str) -> list[Sample]:
    """The samples with their text post-processed by `mode` (one of POSTPROCESSORS)."""
    if mode not in POSTPROCESSORS:
        raise InputError(f"unknown post-processing {mode!r}; known: {', '.join(POSTPROCESSORS)}")
    if mode == "none":
        return list(samples)
    return [
        dataclasses.replace(sample, generation=codegeex(sample.generation, sample.task.language))
        for sample in samples
    ]


def codegeex(text: str, language: str) -> str:
    """CodeGeeX's end of decoding and cleanup of one raw generation in `language`."""
    spec = get_language(language)
    text = spec.clean(stopped(text.split(END_OF_TEXT, 1)[0], language))
    return indented_block(text) if language == "python" else text


def stopped(text: str, language: str) -> str:
    """The text up to where decoding would have stopped: the shortest prefix, ending at a
    token's end, for which the stop rule holds (the whole text when it never does). Tokens
    are approximated by words, runs of blanks and single other characters, so the rule sees
    `\nif`, as it does in decoding, rather than `\ni`."""
    spec = get_language(language)
    for token in TOKENS.finditer(text):
        if spec.is_finished(text[: token.end()]):
            return text[: token.end()]
    return text


def indented_block(text: str) -> str:
    """The lines before the first non-empty one that does not start with a space or a tab."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if line.strip() and line[0] not in " \t":
            return "\n".join(lines[:index])
    return text
