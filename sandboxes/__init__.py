"""Sandboxes: the in-sandbox job runner, and the backends (local, docker) that host it."""
