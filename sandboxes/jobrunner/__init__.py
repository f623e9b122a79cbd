"""In-sandbox job runner: reads jobs as JSON lines on stdin, writes one verdict line per job.

It is the only code that touches untrusted programs, and the same package runs on the host
(local backend, `python -m sandboxes.jobrunner`) and inside every container (docker backend,
`python3 -m jobrunner`), so it imports only the standard library and itself (relatively).

A job is `{"id", "files": {name: text}, "steps": [{"phase", "argv", "timeout_s", "memory_mb",
"env"}], "limits": {"output_bytes", "processes", "file_bytes"}}`. Each job runs in a fresh
directory, each step in its own session with resource limits and a wall-clock limit that kills
every process the job started (the worker is a child subreaper, so nothing escapes by
daemonising). When run as root the job also gets its own unprivileged uid and no network.
"""
