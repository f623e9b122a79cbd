"""The Ray backend: jobs run on every node of an existing Ray cluster.

The driver (the harness) connects to the cluster at $RAY_ADDRESS (default `auto`, the cluster
this machine belongs to; `--ray-address` sets it) and places one actor on each alive node with
CPUs (node-affinity scheduling, sandboxes/ray_node.py). Each actor hosts its node's Docker
backend pool (the local backend where the node has no Docker), `workers` jobs at a time: the
node's CPUs, or `--workers`. The jobs, in the order the harness gives them (longest first),
are cut into small chunks; each actor keeps a few chunk calls in flight (enough to fill its
workers), and whenever one returns its verdicts the node gets the next chunk of the shared
queue: nodes pull work as they free up, so every core stays busy and slow nodes take less.

A node that dies (or whose actor does) loses its chunks in flight: their jobs go back to the
front of the queue and run on another node, once; a job lost twice, or left when no node is
alive, is a verdict with `error` set (a sandbox error). Each job gets exactly one verdict.
Every node must judge alike: prepare() refuses a cluster whose nodes' backends, images,
toolchains or limits differ, and describe() records each node's own description.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import ray
from ray.exceptions import RayActorError, RayError, RayTaskError
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from sandboxes.backend import Backend, Job, SandboxUnavailable
from sandboxes.ray_node import NodeSandbox

ADDRESS_ENV = "RAY_ADDRESS"
CHUNK = 4  # jobs per call: small, so that nodes stay balanced to the end
NODE_FIELDS = ("backend", "images", "toolchains", "limits")  # what must not differ
CLOSE_TIMEOUT_S = 60.0
REMEDY = ("start one with `make cluster-up` (or `ray start --head`), or give its address with "
          "--ray-address or $RAY_ADDRESS")  # fmt: skip


@dataclass(eq=False)
class _Node:
    """One alive node's actor and its calls in flight."""

    node_id: str
    cpus: int
    actor: object
    lanes: int
    busy: int = 0
    alive: bool = True
    description: dict = field(default_factory=dict)


class RayBackend(Backend):
    name = "ray"

    def __init__(self, workers: int | None = None, chunk: int = CHUNK) -> None:
        self.workers = workers  # per node; None: each node's CPUs
        self.chunk = chunk
        self.address = os.environ.get(ADDRESS_ENV) or "auto"
        self.retried: set[str] = set()  # jobs that lost their node and ran again elsewhere
        self._nodes: list[_Node] = []
        self._prepared: set[str] = set()
        self._connected_here = False

    @classmethod
    def available(cls) -> bool:
        return True  # ray is imported: whether a cluster answers, prepare() says

    def prepare(self, languages: Iterable[str]) -> None:
        """Connect, start the node actors, prepare the languages on every node, and refuse a
        cluster whose nodes differ."""
        self._connect()
        wanted = sorted(set(languages) - self._prepared)
        if not wanted:
            return
        nodes = [node for node in self._nodes if node.alive]
        answers = _gather([node.actor.prepare.remote(wanted) for node in nodes])
        for node, (answer, error) in zip(nodes, answers, strict=True):
            if error is not None:
                raise SandboxUnavailable(f"Ray node {node.node_id[:12]}: {error}")
            if "unavailable" in answer:
                raise SandboxUnavailable(
                    f"Ray node {node.node_id[:12]} ({answer['host']}): {answer['unavailable']}"
                )
            node.description = answer
        check_uniform({node.node_id: node.description for node in nodes})
        self._prepared.update(wanted)

    def run(self, jobs: list[Job]) -> Iterator[dict]:
        if not jobs:
            return
        self.prepare(sorted({job.language for job in jobs}))
        queue = deque(_chunks(jobs, self.chunk))
        flights: dict[ray.ObjectRef, tuple[_Node, list[Job]]] = {}
        done: set[str] = set()
        try:
            while True:
                for node in self._nodes:  # free lanes pull the next chunks
                    while node.alive and node.busy < node.lanes and queue:
                        chunk = queue.popleft()
                        flights[node.actor.run_chunk.remote(chunk)] = node, chunk
                        node.busy += 1
                if not flights:
                    break
                [ready], _ = ray.wait(list(flights), num_returns=1)
                node, chunk = flights.pop(ready)
                node.busy -= 1
                verdicts, again = self._collect(ready, node, chunk)
                queue.extendleft(reversed(_chunks(again, self.chunk)))
                if queue and not any(n.alive for n in self._nodes):
                    lost = [job for part in queue for job in part]
                    verdicts += [_error(job, "no Ray node left to run it") for job in lost]
                    queue.clear()
                for verdict in verdicts:
                    if verdict["id"] not in done:
                        done.add(verdict["id"])
                        yield verdict
        finally:
            for ref in flights:  # an abandoned run: what has not started need not
                with contextlib.suppress(RayError, ValueError, TypeError):
                    ray.cancel(ref)

    def _collect(self, ref, node: _Node, chunk: list[Job]) -> tuple[list[dict], list[Job]]:
        """The verdicts of a returned chunk call, and the jobs to run again elsewhere."""
        try:
            verdicts = ray.get(ref)
        except RayTaskError as exc:  # the node's backend failed: nothing was lost in transit
            return [_error(job, f"Ray node {node.node_id[:12]}: {exc}") for job in chunk], []
        except RayError as exc:  # the node, its actor, or the verdicts on their way were lost
            if isinstance(exc, RayActorError):
                node.alive = False
            again = [job for job in chunk if job.id not in self.retried]
            twice = [job for job in chunk if job.id in self.retried]
            self.retried.update(job.id for job in again)
            reason = f"lost two Ray nodes ({type(exc).__name__})"
            return [_error(job, reason) for job in twice], again
        answered = {verdict["id"] for verdict in verdicts}
        missing = [_error(job, "no verdict from its Ray node") for job in chunk
                   if job.id not in answered]  # fmt: skip
        return [*verdicts, *missing], []

    def describe(self) -> dict:
        """The nodes' common backend, images, toolchains and limits, and every node's own."""
        described = [node for node in self._nodes if node.description]
        first = described[0].description if described else {}
        limits = {k: v for k, v in (first.get("limits") or {}).items() if k != "workers"}
        return {
            "backend": self.name,
            "images": first.get("images", {}),
            "toolchains": first.get("toolchains", {}),
            "limits": {**limits, "node_backend": first.get("backend")},
            "nodes": {node.node_id: _published(node.description) for node in described},
        }

    def close(self) -> None:
        """Close every node's backend (its containers), then end the actors."""
        nodes, self._nodes = self._nodes, []
        if ray.is_initialized():
            alive = [node for node in nodes if node.alive]
            _gather([node.actor.close.remote() for node in alive], CLOSE_TIMEOUT_S)
            for node in nodes:
                with contextlib.suppress(RayError, ValueError):
                    ray.kill(node.actor)
            if self._connected_here:
                ray.shutdown()
        self._connected_here = False
        self._prepared.clear()

    def _connect(self) -> None:
        """Join the cluster and place one actor on each alive node with CPUs (once)."""
        if self._nodes:
            return
        if not ray.is_initialized():
            try:
                ray.init(address=self.address, logging_level=logging.WARNING)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise SandboxUnavailable(
                    f"no Ray cluster at {self.address} ({exc}); {REMEDY}"
                ) from exc
            self._connected_here = True
        remote = ray.remote(NodeSandbox)
        for info in ray.nodes():
            cpus = int(info.get("Resources", {}).get("CPU", 0))
            if not info.get("Alive") or cpus < 1:
                continue
            workers = self.workers or cpus
            lanes = math.ceil(workers / self.chunk) + 1  # a chunk waiting when one ends
            actor = remote.options(
                num_cpus=0,
                max_concurrency=lanes + 2,  # and calls to prepare, describe, close
                scheduling_strategy=NodeAffinitySchedulingStrategy(info["NodeID"], soft=False),
            ).remote(workers)
            self._nodes.append(_Node(info["NodeID"], cpus, actor, lanes))
        if not self._nodes:
            raise SandboxUnavailable(f"the Ray cluster at {self.address} has no node with CPUs")


def _published(description: dict) -> dict:
    """A node's description without its host name and process id (kept for error messages):
    summary.json is published."""
    return {k: v for k, v in description.items() if k not in ("host", "pid")}


def check_uniform(descriptions: dict[str, dict]) -> None:
    """Refuse nodes that would judge differently: another backend, image, toolchain or limit."""
    first_id, first = next(iter(descriptions.items()))
    for node_id, description in descriptions.items():
        for key in NODE_FIELDS:
            mine, theirs = _comparable(first, key), _comparable(description, key)
            if mine != theirs:
                raise SandboxUnavailable(
                    f"the Ray cluster's nodes differ in {key}: node {first_id[:12]} "
                    f"({first.get('host')}) has {mine}, node {node_id[:12]} "
                    f"({description.get('host')}) has {theirs}; give every node the same "
                    f"sandbox images (docker save | docker load) or toolchains"
                )


def _comparable(description: dict, key: str) -> object:
    value = description.get(key)
    if key == "limits":
        return {k: v for k, v in (value or {}).items() if k != "workers"}
    return value


def _gather(refs: list, timeout: float | None = None) -> list[tuple[object, str | None]]:
    """(answer, None) or (None, why) for each call, in order."""
    results = []
    for ref in refs:
        try:
            results.append((ray.get(ref, timeout=timeout), None))
        except (RayError, TimeoutError) as exc:
            results.append((None, f"{type(exc).__name__}: {exc}"))
    return results


def _chunks(jobs: list[Job], size: int) -> list[list[Job]]:
    return [jobs[start : start + size] for start in range(0, len(jobs), size)]


def _error(job: Job, reason: str) -> dict:
    return {"id": job.id, "steps": [], "error": f"ray backend: {reason}"}
