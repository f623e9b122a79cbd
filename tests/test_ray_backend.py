"""The Ray backend on a real Ray cluster started here: a head without CPUs and two one-CPU
worker nodes, each worker node hosting a Docker backend in its actor. Verdicts equal the Docker
backend's, a node killed mid-run loses no job and duplicates none, nodes that would judge
differently are refused, and the CLI runs with --sandbox ray.

Without ray installed these tests skip, or fail with HUMANEVAL_X_REQUIRE_RAY=1."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sandbox_fixtures import load_data, make_backend, unavailable

from humaneval_x.evaluate import EvaluationOptions, evaluate
from humaneval_x.languages import LANGUAGE_KEYS, get_language
from humaneval_x.samples import Sample
from humaneval_x.tasks import generation_tasks
from sandboxes.backend import SandboxUnavailable
from tests.test_docker_backend import python_job

try:
    import ray
    from ray.cluster_utils import Cluster
except ImportError:  # the ray extra is not installed
    ray = None

pytestmark = [pytest.mark.ray, pytest.mark.docker, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[1]
# Notice a killed node within about a second (the default takes tens of seconds).
FAST_HEALTH_CHECKS = {
    "health_check_initial_delay_ms": 0,
    "health_check_period_ms": 500,
    "health_check_failure_threshold": 3,
}
OPTIONS = EvaluationOptions(run_timeout_s=10.0, progress=False)


@pytest.fixture(scope="module")
def cluster():
    """A head (no CPUs: the driver's node runs no job) and two worker nodes of one CPU."""
    if ray is None:
        unavailable("ray", "ray is not installed (pip install -e '.[ray]')")
    make_backend("docker", ["python"]).close()  # skips (or fails) without Docker
    head = {"num_cpus": 0, "include_dashboard": False, "_system_config": FAST_HEALTH_CHECKS}
    local = Cluster(initialize_head=True, head_node_args=head)
    workers = [local.add_node(num_cpus=1) for _ in range(2)]
    saved = os.environ.get("RAY_ADDRESS")
    os.environ["RAY_ADDRESS"] = local.address
    try:
        yield local, workers
    finally:
        if saved is None:
            os.environ.pop("RAY_ADDRESS", None)
        else:
            os.environ["RAY_ADDRESS"] = saved
        local.shutdown()


def ray_backend(**kwargs):
    from sandboxes.ray_backend import RayBackend

    return RayBackend(**kwargs)


def mixed_samples(dataset) -> list[Sample]:
    """Canonical and wrong completions of four problems in each of the six languages."""
    tasks = [t for t in generation_tasks(dataset, LANGUAGE_KEYS) if t.problem.number % 41 == 0]
    return [
        Sample(task, index, text)
        for task in tasks
        for index, text in enumerate(
            (task.problem.canonical_solution, get_language(task.language).wrong_completion)
        )
    ]


def statuses(rows: list[dict]) -> dict[tuple[str, int], str]:
    return {(row["task_id"], row["completion_id"]): row["status"] for row in rows}


def test_verdicts_equal_the_docker_backends(cluster, tmp_path: Path) -> None:
    samples = mixed_samples(load_data("ray"))
    with make_backend("docker", LANGUAGE_KEYS) as docker:
        expected = statuses(evaluate(samples, tmp_path / "docker", docker, OPTIONS))
    with ray_backend() as backend:
        rows = evaluate(samples, tmp_path / "ray", backend, OPTIONS)
        described = backend.describe()
        again = evaluate(samples, tmp_path / "ray", backend, OPTIONS)  # resumed: nothing to run
    assert statuses(rows) == expected
    assert {"passed"} < set(expected.values()), "canonical programs pass, wrong ones fail"
    assert len(rows) == len(samples) and statuses(again) == expected
    written = (tmp_path / "ray" / "results.jsonl").read_text().splitlines()
    assert len(written) == len(samples)
    assert described["backend"] == "ray" and len(described["nodes"]) == 2
    assert described["limits"]["node_backend"] == "docker"
    for node in described["nodes"].values():
        assert node["images"] == described["images"] and node["workers"] == 1
        assert "host" not in node and "pid" not in node  # summary.json is published
        assert set(node["toolchains"]) == set(LANGUAGE_KEYS)
    assert set(described["images"]) == set(LANGUAGE_KEYS)


def test_node_actors_hold_disjoint_slots_and_their_own_containers(cluster) -> None:
    """Two nodes on one host: host-wide slots keep their uids apart, and each actor's
    containers carry its own process as owner, so neither removes the other's."""
    import docker

    from sandboxes.docker_backend import OWNER_LABEL, _remove_orphans

    client = docker.from_env()
    with ray_backend() as backend:
        backend.prepare(["python", "js"])
        nodes = [node.description for node in backend._nodes]
        held = [ray.get(node.actor.sandboxes.remote()) for node in backend._nodes]
        _remove_orphans(client)  # what any prepare() does: the actors are alive, so nothing
        owners = {}
        for node, sandboxes in zip(nodes, held, strict=True):
            for sandbox in sandboxes:
                owners[sandbox["container"]] = client.containers.get(sandbox["container"])
                label = owners[sandbox["container"]].labels[OWNER_LABEL]
                assert label == f"{socket.gethostname()}:{node['pid']}"
    slots = [sandbox["slot"] for sandboxes in held for sandbox in sandboxes]
    assert len(held) == 2 and all(len(sandboxes) == 2 for sandboxes in held)
    assert len(slots) == len(set(slots))
    assert nodes[0]["pid"] != nodes[1]["pid"]
    for container in owners.values():  # closing the backend removed every container
        with pytest.raises(docker.errors.NotFound):
            container.reload()


def test_a_node_killed_mid_run_loses_no_job_and_duplicates_none(cluster) -> None:
    import docker

    from sandboxes.docker_backend import _remove_orphans

    local, workers = cluster
    victim = workers[1]
    code = "import socket, time\ntime.sleep(1.5)\nprint(socket.gethostname())\n"
    jobs = [python_job(f"slow-{n}", code, timeout_s=20.0) for n in range(10)]
    verdicts = []
    with ray_backend(workers=1, chunk=1) as backend:
        backend.prepare(["python"])
        by_id = {node.node_id: node for node in backend._nodes}
        killed, survivor = by_id[victim.node_id], by_id[workers[0].node_id]
        for verdict in backend.run(jobs):
            verdicts.append(verdict)
            if len(verdicts) == 1:  # each node holds a running job and one more; 8 wait
                theirs = ray.get(killed.actor.sandboxes.remote())
                local.remove_node(victim, allow_graceful=False)
        ours = ray.get(survivor.actor.sandboxes.remote())
        retried = set(backend.retried)
    assert sorted(v["id"] for v in verdicts) == sorted(job.id for job in jobs)
    assert all(v["error"] is None for v in verdicts), [v["error"] for v in verdicts]
    assert killed.alive is False and retried, "the killed node had jobs in flight"
    ran_on = {v["id"]: v["steps"][0]["stdout_tail"].strip() for v in verdicts}
    survivors = {sandbox["container"][:12] for sandbox in ours}
    assert {ran_on[job_id] for job_id in retried} <= survivors
    assert not {ran_on[job_id] for job_id in retried} & {s["container"][:12] for s in theirs}
    client = docker.from_env()
    _remove_orphans(client)  # the killed actor's containers: orphans of a dead process
    for sandbox in theirs:
        with pytest.raises(docker.errors.NotFound):
            client.containers.get(sandbox["container"])


def test_nodes_that_would_judge_differently_are_refused(cluster) -> None:
    from sandboxes.ray_node import NODE_SANDBOX_ENV

    local, _ = cluster
    os.environ[NODE_SANDBOX_ENV] = "local"  # the new node's processes inherit it
    try:
        node = local.add_node(num_cpus=1)
    finally:
        del os.environ[NODE_SANDBOX_ENV]
    try:
        with ray_backend() as backend, pytest.raises(SandboxUnavailable, match="differ in backend"):
            backend.prepare(["python"])
    finally:
        local.remove_node(node)


def test_cli_runs_on_the_cluster_with_the_docker_backends_verdicts(cluster, tmp_path) -> None:
    local, _ = cluster
    results = {}
    for sandbox in ("docker", "ray"):
        out = tmp_path / sandbox
        command = [sys.executable, "-m", "humaneval_x.cli", "bench", "--runner", "reference",
                   "--languages", "python,js", "--limit", "4", "--sandbox", sandbox,
                   "--no-cache", "--no-calibrate", "--no-progress", "--out", str(out)]  # fmt: skip
        if sandbox == "ray":
            command += ["--ray-address", local.address]
        env = {**os.environ, "RAY_ADDRESS": ""}  # the option alone says where
        done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
        rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
        summary = json.loads((out / "summary.json").read_text())
        results[sandbox] = statuses(rows), summary
    (docker_rows, docker_summary), (ray_rows, ray_summary) = results["docker"], results["ray"]
    assert ray_rows == docker_rows and len(ray_rows) == 8
    assert ray_summary["status_counts"] == docker_summary["status_counts"]
    assert ray_summary["metrics"] == docker_summary["metrics"]
    assert ray_summary["sandbox"]["backend"] == "ray"
    assert len(ray_summary["sandbox"]["nodes"]) == len(local.worker_nodes)  # those left
