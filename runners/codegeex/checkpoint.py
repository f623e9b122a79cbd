"""MindSpore .ckpt files: a streaming reader and writer, with errors that name the parameter.

A .ckpt file is a series of protobuf `Checkpoint` messages, each holding one `Value`
{tag: name, tensor: {dims, tensor_type, tensor_content}}; MindSpore splits tensors over 512 MiB
into several consecutive values with the same tag. The reader maps the file and parses that
wire format itself, so a 26 GB checkpoint is read one tensor at a time, and a damaged file is
reported with the parameter it breaks.
"""

from __future__ import annotations

import math
import mmap
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from humaneval_x.errors import InputError

DTYPES: dict[str, np.dtype] = {
    "Float16": np.dtype(np.float16),
    "Float32": np.dtype(np.float32),
    "Float64": np.dtype(np.float64),
    "BFloat16": np.dtype(np.uint16),
    "Int8": np.dtype(np.int8),
    "UInt8": np.dtype(np.uint8),
    "Int16": np.dtype(np.int16),
    "Int32": np.dtype(np.int32),
    "Int64": np.dtype(np.int64),
    "Bool": np.dtype(np.bool_),
}
TYPE_NAMES = {np.dtype(np.float16): "Float16", np.dtype(np.float32): "Float32"}
TEXT_TYPE = "str"  # a text entry, as save_checkpoint's append_dict writes one: UTF-32, dims [0]
SLICE_BYTES = 512 * 1024 * 1024  # MindSpore's own slice size for large tensors
CRC_TRAILER = 17  # b"crc_num" + 10 bytes, appended when saved with crc_check


class CheckpointError(InputError):
    """A checkpoint is missing, damaged, or does not fit the model."""


@dataclass
class Entry:
    """Where one tensor's bytes lie in a mapped file (one or more slices)."""

    name: str
    shape: tuple[int, ...]
    type_name: str
    chunks: list[tuple[int, int]] = field(default_factory=list)  # (offset, length)


def _varint(buf: memoryview, pos: int, end: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if pos >= end:
            raise EOFError
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _fields(buf: memoryview, pos: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(field number, wire type, value or offset, length) of a message's fields."""
    while pos < end:
        key, pos = _varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos, end)
            yield number, wire, value, 0
        elif wire == 2:
            length, pos = _varint(buf, pos, end)
            if pos + length > end:
                raise EOFError
            yield number, wire, pos, length
            pos += length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            if pos + size > end:
                raise EOFError
            yield number, wire, pos, size
            pos += size
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")


def _parse_tensor(buf: memoryview, pos: int, end: int) -> tuple[list[int], str, int, int]:
    dims: list[int] = []
    type_name, content = "", (pos, 0)
    for number, wire, value, length in _fields(buf, pos, end):
        if number == 1 and wire == 0:
            dims.append(value)
        elif number == 1 and wire == 2:
            p = value
            while p < value + length:
                dim, p = _varint(buf, p, value + length)
                dims.append(dim)
        elif number == 2:
            type_name = bytes(buf[value : value + length]).decode()
        elif number == 3:
            content = (value, length)
    return dims, type_name, content[0], content[1]


def _parse_value(buf: memoryview, pos: int, end: int) -> tuple[str, list[int], str, int, int]:
    name, tensor = "", None
    for number, _, value, length in _fields(buf, pos, end):
        if number == 1:
            name = bytes(buf[value : value + length]).decode()
        elif number == 2:
            tensor = (value, length)
    if tensor is None:
        raise ValueError(f"entry {name!r} holds no tensor (a map parameter?)")
    return (name, *_parse_tensor(buf, tensor[0], tensor[0] + tensor[1]))


def _peek_name(buf: memoryview, pos: int, end: int) -> str:
    """The tag of a value that starts at `pos`, when its first bytes survive."""
    try:
        _, body = _varint(buf, pos, end)
        _, body = _varint(buf, body, end)
        key, body = _varint(buf, body, end)
        length, body = _varint(buf, body, end)
        if key == 0x0A and body + length <= end:
            return bytes(buf[body : body + length]).decode()
    except (EOFError, UnicodeDecodeError):
        pass
    return "(unknown)"


class CheckpointReader:
    """The tensors of one .ckpt file, read lazily from a memory map."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise CheckpointError(f"checkpoint file not found: {self.path}")
        if self.path.stat().st_size == 0:
            raise CheckpointError(f"checkpoint file is empty: {self.path}")
        with open(self.path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        self.entries = self._index(memoryview(self._map))
        self.texts = {
            name: b"".join(self._map[o : o + n] for o, n in entry.chunks).decode("utf-32-le")
            for name, entry in self.entries.items()
            if entry.type_name == TEXT_TYPE
        }
        for name in self.texts:
            del self.entries[name]

    def _index(self, buf: memoryview) -> dict[str, Entry]:
        end = len(buf)
        if end >= CRC_TRAILER and bytes(buf[end - CRC_TRAILER : end - 10]) == b"crc_num":
            end -= CRC_TRAILER
        entries: dict[str, Entry] = {}
        pos, last = 0, "(start of file)"
        while pos < end:
            try:
                key, body = _varint(buf, pos, end)
                length, body = _varint(buf, body, end)
                if key != 0x0A:
                    raise ValueError(f"unexpected protobuf key {key:#x} at byte {pos}")
                if body + length > end:
                    raise EOFError
                name, dims, type_name, offset, size = _parse_value(buf, body, body + length)
            except EOFError:
                raise CheckpointError(
                    f"checkpoint {self.path} is truncated: it ends inside parameter "
                    f"{_peek_name(buf, pos, end)!r}, after {last!r} (byte {pos} of "
                    f"{len(buf)})"
                ) from None
            except (ValueError, UnicodeDecodeError) as e:
                raise CheckpointError(
                    f"checkpoint {self.path} is not a MindSpore checkpoint "
                    f"or is damaged after {last!r}: {e}"
                ) from None
            entry = entries.setdefault(name, Entry(name, tuple(dims), type_name))
            entry.chunks.append((offset, size))
            pos, last = body + length, name
        for entry in entries.values():
            self._check_size(entry)
        return entries

    def _check_size(self, entry: Entry) -> None:
        if entry.type_name == TEXT_TYPE:
            return
        if entry.type_name not in DTYPES:
            raise CheckpointError(
                f"checkpoint {self.path}: parameter {entry.name!r} has "
                f"unsupported type {entry.type_name!r}"
            )
        want = math.prod(entry.shape) * DTYPES[entry.type_name].itemsize
        have = sum(size for _, size in entry.chunks)
        if have != want:
            raise CheckpointError(
                f"checkpoint {self.path} is truncated or damaged: parameter {entry.name!r} of "
                f"shape {entry.shape} ({entry.type_name}) needs {want} bytes, has {have}"
            )

    def __contains__(self, name: str) -> bool:
        return name in self.entries

    def shape(self, name: str) -> tuple[int, ...]:
        return self.entries[name].shape

    def read(self, name: str) -> np.ndarray:
        """One tensor as a NumPy array (a read-only view of the file when in one slice)."""
        entry = self.entries[name]
        dtype = DTYPES[entry.type_name]
        parts = [
            np.frombuffer(self._map, dtype, size // dtype.itemsize, offset)
            for offset, size in entry.chunks
        ]
        flat = parts[0] if len(parts) == 1 else np.concatenate(parts)
        if entry.type_name == "BFloat16":
            flat = (flat.astype(np.uint32) << 16).view(np.float32)
        return flat.reshape(entry.shape)


def _message(number: int, payload: bytes) -> bytes:
    return _encode_varint(number << 3 | 2) + _encode_varint(len(payload)) + payload


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


class CheckpointWriter:
    """Writes tensors one at a time into a .ckpt file that MindSpore's `load_checkpoint` reads."""

    def __init__(self, path: str | os.PathLike, slice_bytes: int = SLICE_BYTES) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.slice_bytes = slice_bytes
        self._file = open(self.path, "wb")  # noqa: SIM115 - closed in close()

    def write(self, name: str, array: np.ndarray) -> None:
        array = np.ascontiguousarray(array)
        if array.dtype not in TYPE_NAMES:
            raise ValueError(f"{name}: only float16/float32 tensors are written, got {array.dtype}")
        dims = b"".join(_encode_varint(d) for d in array.shape)
        head = _message(1, dims) + _message(2, TYPE_NAMES[array.dtype].encode())
        rows = max(1, math.ceil(array.nbytes / self.slice_bytes))
        for part in np.array_split(array.reshape(-1), rows):
            tensor = head + _message(3, part.tobytes())
            self._file.write(_message(1, _message(1, name.encode()) + _message(2, tensor)))

    def write_text(self, name: str, text: str) -> None:
        """A text entry, which `mindspore.load_checkpoint` returns as a string."""
        tensor = _message(1, _encode_varint(0)) + _message(2, TEXT_TYPE.encode())
        tensor += _message(3, text.encode("utf-32-le"))
        self._file.write(_message(1, _message(1, name.encode()) + _message(2, tensor)))

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> CheckpointWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def save_checkpoint(path: str | os.PathLike, tensors: Iterable[tuple[str, np.ndarray]]) -> None:
    """Write (name, array) pairs, streaming, in the given order."""
    with CheckpointWriter(path) as writer:
        for name, array in tensors:
            writer.write(name, array)
