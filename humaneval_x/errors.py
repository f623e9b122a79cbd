"""Errors the CLI reports as one clear line instead of a traceback."""


class InputError(Exception):
    """Bad input: names the file, line and field where it can."""


class ToolchainError(Exception):
    """A toolchain the local sandbox needs is missing: says what to install."""
