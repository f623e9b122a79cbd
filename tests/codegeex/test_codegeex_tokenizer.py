"""The tokenizer reproduces the FACTS §3.2 test vectors and decodes back to the text."""

from __future__ import annotations

import pytest

from humaneval_x.errors import InputError
from runners.codegeex.tokenizer import CodeTokenizer, decode_whitespace, encode_whitespace

VECTORS = [
    ("# language: Python\n", [2, 3303, 25, 11361, 198]),
    ("// language: C++\n", [1003, 3303, 25, 327, 4880, 198]),
    ("def f(x):\n    return x\n", [4299, 277, 7, 87, 2599, 198, 50268, 7783, 2124, 198]),
    ("a\n  b\n   c", [64, 198, 50266, 65, 198, 50267, 66]),
    (" " * 12 + "x", [50274, 50266, 87]),
    (" " * 11 + "y", [50274, 331]),
]


@pytest.fixture(scope="module")
def tokenizer(tokenizer_path) -> CodeTokenizer:
    return CodeTokenizer(tokenizer_path)


@pytest.mark.parametrize(("text", "ids"), VECTORS)
def test_vectors(tokenizer, text, ids):
    assert tokenizer.encode(text) == ids
    assert tokenizer.decode(ids) == text


def test_whitespace_runs():
    assert encode_whitespace("a b") == "a b"
    assert encode_whitespace("  ") == "<|extratoken_10|>"
    assert encode_whitespace(" " * 21) == "<|extratoken_18|>" * 2 + " "
    for n in range(1, 40):
        assert decode_whitespace(encode_whitespace(" " * n)) == " " * n


def test_round_trip_and_eos(tokenizer):
    text = "int main() {\n\treturn 0;   // é 漢字\n}"
    assert tokenizer.decode(tokenizer.encode(text)) == text
    assert tokenizer.encode("<|endoftext|>") == [50256]
    assert tokenizer.decode([50256]) == "<|endoftext|>"


def test_missing_directory(tmp_path):
    with pytest.raises(InputError, match="vocab.json"):
        CodeTokenizer(tmp_path)


def test_damaged_files_are_named(tmp_path, tokenizer_path):
    for name in ("vocab.json", "merges.txt", "added_tokens.json"):
        (tmp_path / name).write_bytes((tokenizer_path / name).read_bytes())
    (tmp_path / "added_tokens.json").write_text("{not json")
    with pytest.raises(InputError, match=f"tokenizer folder {tmp_path}: cannot read it"):
        CodeTokenizer(tmp_path)
