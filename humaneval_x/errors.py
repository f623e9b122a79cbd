"""Bad input, which the CLI reports as one clear line instead of a traceback (as it does the
sandboxes' SandboxUnavailable)."""


class InputError(Exception):
    """Bad input: names the file, line and field where it can."""
