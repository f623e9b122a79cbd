"""Where the model runs: the device asked for, or the best one here (Ascend, then GPU, then CPU).

A device counts as here when this MindSpore build supports it and the machine has one; a named
device that is not here, or that fails a one-element computation, is refused in one line that
lists the devices that are.
"""

from __future__ import annotations

import sys

import mindspore as ms
import numpy as np

from humaneval_x.errors import InputError
from runners.codegeex.options import DEVICES


def available() -> list[str]:
    """The devices this MindSpore build can use on this machine, best first; the CPU always."""
    return [name for name in ("ascend", "gpu") if _count(name) > 0] + ["cpu"]


def _count(name: str) -> int:
    context = getattr(ms.device_context, name)
    try:
        return context.device_count() if context.is_available() else 0
    except RuntimeError:  # a build with the device's plug-in, on a machine without its driver
        return 0


def select(requested: str, device_id: int) -> str:
    """Set MindSpore's device: `requested`, or for "auto" the best one here; returns its name."""
    here = available()
    if requested == "auto":
        device = here[0]
        if device == "cpu":
            print("humaneval-x: codegeex: no Ascend or GPU device here; running on the CPU",
                  file=sys.stderr)  # fmt: skip
    elif requested in here:
        device = requested
    else:
        raise InputError(
            f"--device {requested}: no {DEVICES[requested]} device here (available: "
            f"{', '.join(here)})"
        )
    try:
        ms.set_device(DEVICES[device], device_id)
        (ms.Tensor(np.ones(1, np.float32)) + 1).asnumpy()
    except (RuntimeError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(
            f"--device {device} --device-id {device_id}: {reason} (available: {', '.join(here)})"
        ) from None
    return device
