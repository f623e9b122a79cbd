"""A tiny Llama checkpoint with designed weights, written for the tests (no hub, no download).

Its one layer adds nothing (zero output projections), embeddings are one-hot and the final norm
scales them back to one, so the logits of the next token are one column of the output matrix:
the model continues with a chosen successor of the last token (logit `STRENGTH`), any other
ASCII token (logit 0), never a non-ASCII byte. Greedy text is therefore known in advance:

- after a Python prompt (last token `\"\"\"⏎`): "    return 1⏎def extra():⏎    return 2⏎…";
- after a prompt ending in "{⏎" or "⏎": "    return 1;⏎}⏎int extra() {}⏎int extra() {}⏎…";
- in chat, the template ends with <|py|> (a ```python block asked for) or <|code|>, and the
  reply is "Sure:⏎```python⏎    return 3⏎```⏎Done." or "Sure:⏎```⏎    return 3;⏎}⏎```⏎Done.".

Sampling at temperature 0.8 keeps the successor about two times in three, so sampled samples
differ from seed to seed.
"""

from __future__ import annotations

from pathlib import Path

EOS = "<|endoftext|>"
SPECIALS = (EOS, "<|py|>", "<|code|>")
STRENGTH = 5.0
# (token, successor): the designed continuations; every other token is followed by EOS.
CHAINS = (
    ('"""\n', "    return 1\n"),
    ("'''\n", "    return 1\n"),
    ("    return 1\n", "def extra():\n"),
    ("def extra():\n", "    return 2\n"),
    ("    return 2\n", "def extra():\n"),
    ("{\n", "    return 1;\n"),
    ("\n", "    return 1;\n"),
    ("    return 1;\n", "}\n"),
    ("}\n", "int extra() {}\n"),
    ("int extra() {}\n", "int extra() {}\n"),
    ("<|py|>", "Sure:\n```python\n"),
    ("Sure:\n```python\n", "    return 3\n"),
    ("    return 3\n", "```\nDone."),
    ("<|code|>", "Sure:\n```\n"),
    ("Sure:\n```\n", "    return 3;\n"),
    ("    return 3;\n", "}\n```\nDone."),
)
CHAT_TEMPLATE = (
    "{% for message in messages %}{{ message['content'] }}{% endfor %}"
    "{% if '```python' in messages[-1]['content'] %}<|py|>{% else %}<|code|>{% endif %}"
)


def _gpt2_bytes() -> dict[int, str]:
    """The byte-level alphabet of GPT-2 style tokenizers: byte -> printable character."""
    printable = [*range(33, 127), *range(161, 173), *range(174, 256)]
    mapping, extra = {}, 0
    for byte in range(256):
        if byte in printable:
            mapping[byte] = chr(byte)
        else:
            mapping[byte] = chr(256 + extra)
            extra += 1
    return mapping


def build_tokenizer(alphabet: dict[int, str]):
    """Byte-level tokens for any text, and each designed phrase as one added token."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    tokenizer = Tokenizer(models.BPE(vocab={alphabet[b]: b for b in range(256)}, merges=[]))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tokenizer.decoder = decoders.ByteLevel()
    phrases = sorted({phrase for pair in CHAINS for phrase in pair if phrase not in SPECIALS})
    tokenizer.add_tokens([AddedToken(phrase, normalized=False) for phrase in phrases])
    tokenizer.add_special_tokens(list(SPECIALS))
    return tokenizer


def write_tiny_model(folder: Path) -> Path:
    """Write the model, its tokenizer (with the chat template) and generation config."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    alphabet = _gpt2_bytes()
    fast = PreTrainedTokenizerFast(tokenizer_object=build_tokenizer(alphabet), eos_token=EOS,
                                   pad_token=EOS, chat_template=CHAT_TEMPLATE)  # fmt: skip
    size = -(-len(fast) // 8) * 8
    config = LlamaConfig(
        vocab_size=size, hidden_size=size, intermediate_size=8, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=4096,
        rms_norm_eps=1e-12, tie_word_embeddings=False, eos_token_id=fast.eos_token_id,
        bos_token_id=fast.eos_token_id, pad_token_id=fast.eos_token_id,
    )  # fmt: skip
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.zero_()
        model.model.embed_tokens.weight.copy_(torch.eye(size))
        model.model.norm.weight.fill_(size**-0.5)
        model.model.layers[0].input_layernorm.weight.fill_(1.0)
        model.model.layers[0].post_attention_layernorm.weight.fill_(1.0)
        model.lm_head.weight.copy_(_output_matrix(fast, size))
    model.generation_config.do_sample = True  # servers sample unless asked for temperature 0
    model.save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder


def _output_matrix(tokenizer, size: int):
    """Row = next token, column = current token: successor STRENGTH, ASCII 0, the rest -30."""
    import torch

    ascii_ids = [i for i in range(len(tokenizer)) if _is_ascii(tokenizer, i)]
    weights = torch.full((size, size), -30.0)
    weights[ascii_ids, :] = 0.0
    eos = tokenizer.eos_token_id
    weights[eos, :] = 0.0
    follows = {current: eos for current in range(size)}
    for token, successor in CHAINS:
        follows[_token_id(tokenizer, token)] = _token_id(tokenizer, successor)
    for current, successor in follows.items():
        weights[successor, current] = STRENGTH
    return weights


def _token_id(tokenizer, text: str) -> int:
    ids = tokenizer.encode(text, add_special_tokens=False)
    if len(ids) != 1:
        raise AssertionError(f"{text!r} is not one token: {ids}")
    return ids[0]


def _is_ascii(tokenizer, token_id: int) -> bool:
    text = tokenizer.decode([token_id])
    return token_id not in tokenizer.all_special_ids and text.isascii() and text != ""
