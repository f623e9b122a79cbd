"""Model configurations: the published CodeGeeX-13B, small ones for tests and benchmarks, and
custom ones from a JSON file."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from humaneval_x.errors import InputError

EOS_ID = 50256
TOKENIZER_VOCAB = 50400  # ids at or above this are padding rows of the embedding table


@dataclass(frozen=True)
class ModelConfig:
    """Shapes of a CodeGeeX model. `num_layers` counts the blocks plus the top-query layer."""

    name: str
    hidden_size: int
    num_heads: int
    num_layers: int
    vocab_size: int = 52224  # rows of the word-embedding table and of the logits
    seq_length: int = 2048
    layernorm_eps: float = 1e-5

    def __post_init__(self) -> None:
        if self.hidden_size % self.num_heads:
            raise ValueError(
                f"{self.name}: hidden size {self.hidden_size} is not divisible "
                f"by {self.num_heads} heads"
            )
        if self.num_layers < 2:
            raise ValueError(f"{self.name}: needs at least one block plus the top-query layer")
        if self.vocab_size < TOKENIZER_VOCAB:
            raise ValueError(f"{self.name}: vocab size {self.vocab_size} < {TOKENIZER_VOCAB}")

    @property
    def num_blocks(self) -> int:
        return self.num_layers - 1

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_heads

    @property
    def ffn_size(self) -> int:
        return 4 * self.hidden_size

    def to_json(self) -> dict:
        return asdict(self)


CONFIGS = {
    config.name: config
    for config in (
        ModelConfig("13b", hidden_size=5120, num_heads=40, num_layers=40),
        ModelConfig("small", hidden_size=512, num_heads=8, num_layers=5),
        ModelConfig("tiny", hidden_size=64, num_heads=4, num_layers=3),
    )
}


# The fields of a configuration file: all but `name` and those with a default are required.
FIELDS = {"name": str, "hidden_size": int, "num_heads": int, "num_layers": int, "vocab_size": int,
          "seq_length": int, "layernorm_eps": float}  # fmt: skip
OPTIONAL = ("name", "vocab_size", "seq_length", "layernorm_eps")


def get_config(name: str) -> ModelConfig:
    """The configuration called `name` ("13b", "small", "tiny")."""
    try:
        return CONFIGS[name]
    except KeyError:
        raise ValueError(f"unknown model config {name!r}; known: {', '.join(CONFIGS)}") from None


def model_config(value: str) -> ModelConfig:
    """A --model-config value: a built-in name, or a JSON file of FIELDS."""
    if value in CONFIGS:
        return CONFIGS[value]
    path = Path(value)
    if not path.is_file():
        raise InputError(
            f"--model-config {value}: neither a built-in configuration ({', '.join(CONFIGS)}) "
            f"nor a JSON file"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--model-config {value}: cannot read it ({exc})") from None
    return config_from_json(text, str(path), path.stem)


def config_from_json(text: str, where: str, name: str) -> ModelConfig:
    """A configuration from JSON text; errors name `where` and the field."""
    try:
        fields = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: malformed JSON ({exc.msg})") from None
    if not isinstance(fields, dict):
        raise InputError(f"{where}: expected a JSON object of {', '.join(FIELDS)}")
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise InputError(f"{where}: unknown field {unknown[0]!r}; known: {', '.join(FIELDS)}")
    for field, kind in FIELDS.items():
        if field not in fields:
            if field not in OPTIONAL:
                raise InputError(f"{where}: field {field!r} is missing")
            continue
        value = fields[field]
        if kind is str and not isinstance(value, str):
            raise InputError(f"{where}: field {field!r} must be a string")
        number = isinstance(value, (int, float) if kind is float else int)
        if kind is not str and (not number or isinstance(value, bool) or value <= 0):
            raise InputError(f"{where}: field {field!r} must be a positive {kind.__name__}")
    try:
        return ModelConfig(**{"name": name, **fields})
    except ValueError as exc:
        raise InputError(f"{where}: {exc}") from None


def layer_shapes(config: ModelConfig, prefix: str) -> dict[str, tuple[int, ...]]:
    """The 16 tensors of one block or of the top-query layer (MindSpore orientation)."""
    h, f = config.hidden_size, config.ffn_size
    shapes: dict[str, tuple[int, ...]] = {}
    for ln in ("layernorm1", "layernorm2"):
        shapes[f"{prefix}.{ln}.gamma"] = (h,)
        shapes[f"{prefix}.{ln}.beta"] = (h,)
    for dense in ("dense1", "dense2", "dense3", "projection"):
        shapes[f"{prefix}.attention.{dense}.weight"] = (h, h)
        shapes[f"{prefix}.attention.{dense}.bias"] = (h,)
    shapes[f"{prefix}.output.mapping.weight"] = (h, f)
    shapes[f"{prefix}.output.mapping.bias"] = (f,)
    shapes[f"{prefix}.output.projection.weight"] = (f, h)
    shapes[f"{prefix}.output.projection.bias"] = (h,)
    return shapes


def parameter_shapes(config: ModelConfig) -> dict[str, tuple[int, ...]]:
    """Every weight of the model by its official MindSpore name (FACTS §2.1), in file order."""
    h = config.hidden_size
    shapes = {
        "backbone.embedding.word_embedding.embedding_table": (config.vocab_size, h),
        "backbone.embedding.position_embedding.embedding_table": (config.seq_length, h),
        "backbone.top_query_embedding.embedding_table": (config.seq_length, h),
    }
    for i in range(config.num_blocks):
        shapes.update(layer_shapes(config, f"backbone.blocks.{i}"))
    shapes.update(layer_shapes(config, "backbone.top_query_layer"))
    shapes["backbone.layernorm.gamma"] = (h,)
    shapes["backbone.layernorm.beta"] = (h,)
    return shapes
