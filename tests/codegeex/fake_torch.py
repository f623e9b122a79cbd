"""Write torch zip-format checkpoints without torch, for testing the converter's reader."""

from __future__ import annotations

import io
import pickle
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from runners.codegeex.convert import torch_key

STORAGE_NAMES = {np.dtype(np.float16): "HalfStorage", np.dtype(np.float32): "FloatStorage"}


class Global:
    """A module attribute the pickle names (torch._utils._rebuild_tensor_v2, torch.HalfStorage)."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def __call__(self, *args: Any) -> None:
        raise NotImplementedError


class Storage:
    def __init__(self, key: str, data: np.ndarray) -> None:
        self.key, self.data = key, data


class FakeTensor:
    """Pickles as torch does: _rebuild_tensor_v2(storage, offset, size, stride, …)."""

    def __init__(self, storage: Storage, shape: tuple, stride: tuple) -> None:
        self.storage, self.shape, self.stride = storage, shape, stride

    def __reduce_ex__(self, protocol: int) -> tuple:
        rebuild = Global("torch._utils", "_rebuild_tensor_v2")
        return rebuild, (self.storage, 0, self.shape, self.stride, False, OrderedDict())


class _Pickler(pickle._Pickler):
    dispatch = dict(pickle._Pickler.dispatch)

    def _save_global(self, obj: Global) -> None:
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
        self.memoize(obj)

    dispatch[Global] = _save_global

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, Storage):
            kind = Global("torch", STORAGE_NAMES[obj.data.dtype])
            return ("storage", kind, obj.key, "cpu", obj.data.size)
        return None


def c_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    strides, step = [], 1
    for size in reversed(shape):
        strides.insert(0, step)
        step *= size
    return tuple(strides)


def write_pt(path: Path, tree: Any, transposed: frozenset[str] = frozenset()) -> None:
    """Save a nested dict of arrays; leaves named in `transposed` are stored column-major."""
    storages: list[Storage] = []

    def wrap(node: Any, key: str) -> Any:
        if isinstance(node, dict):
            return OrderedDict((k, wrap(v, k)) for k, v in node.items())
        column_major = key in transposed and node.ndim == 2
        data = np.ascontiguousarray(node.T if column_major else node).reshape(-1)
        storages.append(Storage(str(len(storages)), data))
        stride = (1, node.shape[0]) if column_major else c_strides(node.shape)
        return FakeTensor(storages[-1], tuple(node.shape), stride)

    buffer = io.BytesIO()
    _Pickler(buffer, protocol=2).dump(wrap(tree, ""))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("archive/data.pkl", buffer.getvalue())
        for storage in storages:
            archive.writestr(f"archive/data/{storage.key}", storage.data.tobytes())


def torch_tree(weights: dict) -> dict:
    """The nested .pt layout of FACTS §2.4 built from official-name weights."""
    tree: dict = {}
    for name, array in weights.items():
        path, transpose = torch_key(name)
        node = tree
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = np.ascontiguousarray(array.T if transpose else array)
    return {"module": {"language_model": tree}}
