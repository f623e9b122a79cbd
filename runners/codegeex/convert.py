"""Convert the public PyTorch checkpoint (FACTS §2.4) to a MindSpore .ckpt (§2.5 reversed).

The .pt file is read without torch: it is a zip archive whose `data.pkl` describes the tensors
and whose `data/<key>` entries hold their storages. Tensors are converted and written one at a
time, so the model is never held twice in memory.

    humaneval-x convert-checkpoint --input codegeex_13b.pt --output codegeex_13b.ckpt
"""

from __future__ import annotations

import argparse
import pickle
import sys
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from runners.codegeex.checkpoint import CheckpointError, CheckpointWriter
from runners.codegeex.config import CONFIGS, ModelConfig, model_config, parameter_shapes
from runners.codegeex.weights import write_config

HELP = "PyTorch CodeGeeX .pt -> MindSpore .ckpt"
STORAGE_DTYPES = {
    "HalfStorage": np.float16,
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "BFloat16Storage": np.uint16,
}
LAYER_NAMES = {  # MindSpore suffix -> (torch suffix, transpose)
    "layernorm1.gamma": ("input_layernorm.weight", False),
    "layernorm1.beta": ("input_layernorm.bias", False),
    "attention.dense1.weight": ("attention.query.weight", False),
    "attention.dense1.bias": ("attention.query.bias", False),
    "attention.dense2.weight": ("attention.key.weight", False),
    "attention.dense2.bias": ("attention.key.bias", False),
    "attention.dense3.weight": ("attention.value.weight", False),
    "attention.dense3.bias": ("attention.value.bias", False),
    "attention.projection.weight": ("attention.dense.weight", True),
    "attention.projection.bias": ("attention.dense.bias", False),
    "layernorm2.gamma": ("post_attention_layernorm.weight", False),
    "layernorm2.beta": ("post_attention_layernorm.bias", False),
    "output.mapping.weight": ("mlp.dense_h_to_4h.weight", True),
    "output.mapping.bias": ("mlp.dense_h_to_4h.bias", False),
    "output.projection.weight": ("mlp.dense_4h_to_h.weight", True),
    "output.projection.bias": ("mlp.dense_4h_to_h.bias", False),
}
TOP_NAMES = {
    "backbone.embedding.word_embedding.embedding_table": ("embedding", "word_embeddings", "weight"),
    "backbone.embedding.position_embedding.embedding_table": (
        "embedding",
        "position_embeddings",
        "weight",
    ),
    "backbone.top_query_embedding.embedding_table": (
        "topQueryEmbedding",
        "top_query_embeddings",
        "weight",
    ),
    "backbone.layernorm.gamma": ("transformer", "final_layernorm.weight"),
    "backbone.layernorm.beta": ("transformer", "final_layernorm.bias"),
}


def torch_key(name: str) -> tuple[tuple[str, ...], bool]:
    """Where an official MindSpore parameter lives under `language_model` in the .pt, and
    whether its matrix is transposed there."""
    if name in TOP_NAMES:
        return TOP_NAMES[name], False
    for prefix, torch_prefix in (
        ("backbone.top_query_layer.", "topQueryLayer."),
        ("backbone.blocks.", "layers."),
    ):
        if name.startswith(prefix):
            rest = name[len(prefix) :]
            index, _, suffix = rest.partition(".") if prefix.endswith("blocks.") else ("", "", rest)
            torch_suffix, transpose = LAYER_NAMES[suffix]
            layer = f"{torch_prefix}{index}." if index else torch_prefix
            return ("transformer", layer + torch_suffix), transpose
    raise KeyError(name)


@dataclass(frozen=True)
class StorageRef:
    """A storage of the archive: its entry key and element type."""

    key: str
    dtype: type


@dataclass(frozen=True)
class LazyTensor:
    """A tensor described by data.pkl, read from the archive on `load()`."""

    archive: TorchArchive
    storage: StorageRef
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]

    def load(self) -> np.ndarray:
        flat = self.archive.storage(self.storage)
        item = flat.itemsize
        view = np.lib.stride_tricks.as_strided(
            flat[self.offset :], self.shape, tuple(s * item for s in self.stride)
        )
        array = np.array(view)
        if self.storage.dtype is np.uint16:
            array = (array.astype(np.uint32) << 16).view(np.float32)
        return array


class _Opaque:
    """Stands in for any non-tensor class the pickle names (argparse.Namespace, …)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args

    def __setstate__(self, state: Any) -> None:
        self.state = state


class TorchArchive:
    """A torch zip-format checkpoint, read with `pickle` and `zipfile` only."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not zipfile.is_zipfile(self.path):
            raise CheckpointError(
                f"{self.path} is not a torch zip checkpoint (torch >= 1.6 "
                "format); re-save it with torch.save(..., "
                "_use_new_zipfile_serialization=True)"
            )
        try:
            self.zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise CheckpointError(f"{self.path}: a damaged zip archive ({exc})") from None
        pickles = [n for n in self.zip.namelist() if n.endswith("data.pkl")]
        if len(pickles) != 1:
            raise CheckpointError(f"{self.path}: expected one data.pkl, found {len(pickles)}")
        self.prefix = pickles[0][: -len("data.pkl")]

    def root(self) -> Any:
        """The unpickled object, with tensors as `LazyTensor`."""
        try:
            with self.zip.open(self.prefix + "data.pkl") as f:
                return _Unpickler(f, self).load()
        except CheckpointError:
            raise
        except Exception as exc:  # a damaged pickle raises almost anything
            raise CheckpointError(
                f"{self.path}: its {self.prefix}data.pkl is damaged or not a torch checkpoint "
                f"({type(exc).__name__}: {exc})"
            ) from None

    def storage(self, ref: StorageRef) -> np.ndarray:
        name = f"{self.prefix}data/{ref.key}"
        try:
            data = self.zip.read(name)
        except (KeyError, zipfile.BadZipFile, OSError) as exc:
            raise CheckpointError(f"{self.path}: cannot read storage {name} ({exc})") from None
        return np.frombuffer(data, ref.dtype)


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: Any, archive: TorchArchive) -> None:
        super().__init__(file)
        self.archive = archive

    def find_class(self, module: str, name: str) -> Any:
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return self._rebuild_tensor
        if module == "torch._utils" and name == "_rebuild_parameter":
            return lambda data, *args: data
        if module == "torch" and name in STORAGE_DTYPES:
            return STORAGE_DTYPES[name]
        if module == "collections" and name == "OrderedDict":
            return OrderedDict
        return _Opaque

    def persistent_load(self, pid: Any) -> StorageRef:
        if not (isinstance(pid, tuple) and pid[0] == "storage"):
            raise CheckpointError(f"{self.archive.path}: unknown persistent id {pid!r}")
        dtype = pid[1]
        if dtype not in STORAGE_DTYPES.values():
            raise CheckpointError(f"{self.archive.path}: unsupported storage type {dtype!r}")
        return StorageRef(str(pid[2]), dtype)

    def _rebuild_tensor(
        self, storage: StorageRef, offset: int, shape: tuple, stride: tuple, *_: Any
    ) -> LazyTensor:
        return LazyTensor(self.archive, storage, offset, tuple(shape), tuple(stride))


def language_model(root: Any) -> Mapping:
    """The `language_model` dict of a loaded checkpoint (under "module" when present)."""
    module = root.get("module", root) if isinstance(root, Mapping) else None
    if not isinstance(module, Mapping) or "language_model" not in module:
        raise CheckpointError(
            "the checkpoint has no module/language_model entry (not a CodeGeeX PyTorch checkpoint?)"
        )
    return module["language_model"]


def _lookup(tree: Mapping, path: tuple[str, ...], name: str) -> np.ndarray:
    node: Any = tree
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            raise CheckpointError(f"the PyTorch checkpoint lacks {'/'.join(path)} (for {name})")
        node = node[key]
    return node.load() if isinstance(node, LazyTensor) else np.asarray(node)


def convert(
    tree: Mapping, config: ModelConfig, writer: CheckpointWriter, dtype: type = np.float16
) -> int:
    """Write every parameter of `language_model` `tree` under its official MindSpore name.

    LayerNorm parameters are written in fp32, the rest in `dtype`; returns the count.
    """
    shapes = parameter_shapes(config)
    for name, shape in shapes.items():
        path, transpose = torch_key(name)
        array = _lookup(tree, path, name)
        if transpose:
            array = array.T
        if name.endswith("word_embedding.embedding_table") and array.shape[0] > shape[0]:
            array = array[: shape[0]]
        if array.shape != shape:
            raise CheckpointError(
                f"parameter {name!r} (from {'/'.join(path)}): converted "
                f"shape {array.shape} != model shape {shape}"
            )
        writer.write(name, array.astype(np.float32 if name.endswith(("gamma", "beta")) else dtype))
    return len(shapes)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `humaneval-x convert-checkpoint`."""
    parser.add_argument(
        "--input", required=True, type=Path, help="PyTorch checkpoint (codegeex_13b.pt)"
    )
    parser.add_argument("--output", required=True, type=Path, help="MindSpore .ckpt to write")
    parser.add_argument(
        "--model-config",
        default="13b",
        help=f"model shapes: {', '.join(CONFIGS)} (default 13b), or a JSON file "
        "(docs/codegeex.md); stored in the output",
    )
    parser.add_argument(
        "--dtype",
        default="fp16",
        choices=("fp16", "fp32"),
        help="storage type of the weights (LayerNorm is always fp32)",
    )


def main(args: argparse.Namespace) -> int:
    """Convert `args.input` to `args.output`; returns an exit status."""
    if not args.input.is_file():
        raise CheckpointError(f"PyTorch checkpoint not found: {args.input}")
    config = model_config(args.model_config)
    tree = language_model(TorchArchive(args.input).root())
    dtype = np.float16 if args.dtype == "fp16" else np.float32
    partial = args.output.with_name(args.output.name + ".partial")
    with CheckpointWriter(partial) as writer:
        count = convert(tree, config, writer, dtype)
        write_config(writer, config)
    partial.replace(args.output)
    print(f"wrote {count} parameters to {args.output}")
    return 0


if __name__ == "__main__":
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(cli)
    sys.exit(main(cli.parse_args()))
