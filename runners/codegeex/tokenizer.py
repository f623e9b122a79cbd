"""The CodeGeeX tokenizer: GPT-2 byte-level BPE plus whitespace extratokens (FACTS §3)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path

from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

from humaneval_x.errors import InputError
from runners.codegeex.config import EOS_ID, TOKENIZER_VOCAB

FILES = ("vocab.json", "merges.txt", "added_tokens.json")
WS_START = 10  # a run of n spaces (2 <= n <= WS_MAX) becomes <|extratoken_{n + 8}|>
WS_MAX = 10
SPACES = re.compile(" {2,}")


def _ws_token(n: int) -> str:
    return f"<|extratoken_{n - 2 + WS_START}|>"


def _encode_run(match: re.Match) -> str:
    """Greedy pieces of ten spaces, then the rest; a lone leftover space stays a space."""
    full, rest = divmod(len(match.group()), WS_MAX)
    tail = _ws_token(rest) if rest >= 2 else " " * rest
    return _ws_token(WS_MAX) * full + tail


def encode_whitespace(text: str) -> str:
    """Replace runs of 2..10 spaces with their extratoken text (FACTS §3.2)."""
    return SPACES.sub(_encode_run, text)


def decode_whitespace(text: str) -> str:
    """Turn whitespace extratokens back into spaces (FACTS §3.4)."""
    for n in range(2, WS_MAX + 1):
        text = text.replace(_ws_token(n), " " * n)
    return text


class CodeTokenizer:
    """Encode text to CodeGeeX ids and decode them back, from a tokenizer directory."""

    eos_id = EOS_ID

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = Path(directory)
        missing = [name for name in FILES if not (self.directory / name).is_file()]
        if missing:
            raise InputError(
                f"tokenizer folder {self.directory} lacks {', '.join(missing)} (--tokenizer or "
                f"$CODEGEEX_TOKENIZER: the folder of {', '.join(FILES)})"
            )
        try:
            self._load()
        except InputError:
            raise
        except Exception as exc:  # the tokenizers library and json raise many kinds
            raise InputError(f"tokenizer folder {self.directory}: cannot read it ({exc})") from None

    def _load(self) -> None:
        bpe = models.BPE.from_file(
            str(self.directory / "vocab.json"), str(self.directory / "merges.txt")
        )
        self._tok = Tokenizer(bpe)
        self._tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        self._tok.decoder = decoders.ByteLevel()
        self._tok.add_special_tokens([AddedToken("<|endoftext|>", normalized=False)])
        self._add_extratokens()

    def _add_extratokens(self) -> None:
        added = json.loads((self.directory / "added_tokens.json").read_text())
        ordered = sorted(added.items(), key=lambda item: item[1])
        self._tok.add_tokens([AddedToken(text, normalized=False) for text, _ in ordered])
        for text, wanted in ordered:
            if self._tok.token_to_id(text) != wanted:
                raise InputError(
                    f"{self.directory}: added token {text!r} got id "
                    f"{self._tok.token_to_id(text)}, the file says {wanted}"
                )
        if self._tok.get_vocab_size() != TOKENIZER_VOCAB:
            raise InputError(
                f"{self.directory}: vocabulary has {self._tok.get_vocab_size()} "
                f"tokens, CodeGeeX has {TOKENIZER_VOCAB}"
            )

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`; no BOS and no special tokens are added."""
        return self._tok.encode(encode_whitespace(text), add_special_tokens=False).ids

    def decode(self, ids: Sequence[int]) -> str:
        """Text of `ids`, special tokens kept (EOS reads `<|endoftext|>`)."""
        return decode_whitespace(self._tok.decode(list(ids), skip_special_tokens=False))
