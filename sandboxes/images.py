"""The sandbox images: one per language, built from sandboxes/<lang>/Dockerfile on one base.

`python -m sandboxes.images build [LANG...]` builds what is missing or stale (the Docker layer
cache makes an unchanged image cheap). Each image is tagged `humaneval-x/<lang>:<digest>`, the
first hex digits of the digest of what it was built from (job runner, Dockerfile, prepare
files, base image), so a changed source is a new tag, and checkouts of different versions on
one host each find their own images instead of rebuilding each other's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import docker
from docker.errors import APIError, DockerException, ImageNotFound

from sandboxes import languages as sandbox_languages
from sandboxes.backend import SandboxUnavailable, jobrunner_files
from sandboxes.local import TOOLCHAIN_FILE, inputs_digest, read_text_or_none

SANDBOXES = Path(__file__).parent
BASE_ENV = "HUMANEVAL_X_BASE_IMAGE"
DEFAULT_BASE = "humaneval-x/base:bookworm"
DIGEST_LABEL = "org.humaneval-x.source-sha256"
LANGUAGE_LABEL = "org.humaneval-x.language"
REMEDY = "run `make base-image sandboxes` (or `python -m sandboxes.images build`)"


def image_tag(language: str) -> str:
    return f"humaneval-x/{language}:{source_digest(language)[:16]}"


def base_image() -> str:
    return os.environ.get(BASE_ENV, DEFAULT_BASE)


def source_digest(language: str) -> str:
    """Digest of the job runner and the language's directory (Dockerfile, prepare script), host
    files aside (build/, toolchain.json)."""
    digest = hashlib.sha256()
    files = [*jobrunner_files(), *sorted((SANDBOXES / language).rglob("*"))]
    for path in files:
        parts = path.relative_to(SANDBOXES).parts
        if path.is_file() and "build" not in parts and parts[1:] != (TOOLCHAIN_FILE,):
            digest.update(str(path.relative_to(SANDBOXES)).encode() + b"\0" + path.read_bytes())
    digest.update(base_image().encode())
    return digest.hexdigest()


def is_current(client: docker.DockerClient, language: str) -> bool:
    """Whether the language's image exists and was built from the current sources."""
    try:
        image = client.images.get(image_tag(language))
    except ImageNotFound:
        return False
    return image.labels.get(DIGEST_LABEL) == source_digest(language)


def build(client: docker.DockerClient, language: str, log=sys.stderr) -> str:
    """Build one language's image; return its id. Raise SandboxUnavailable if the build fails."""
    _check_base(client)
    _stage_host_files(language)
    stream = client.api.build(
        path=str(SANDBOXES),
        dockerfile=f"{language}/Dockerfile",
        tag=image_tag(language),
        buildargs={"BASE": base_image()},
        labels={DIGEST_LABEL: source_digest(language), LANGUAGE_LABEL: language},
        rm=True,
        forcerm=True,
        decode=True,
    )
    tail: list[str] = []
    for chunk in stream:
        text = chunk.get("stream") or chunk.get("status") or ""
        if text:
            log.write(text if text.endswith("\n") else text + "\n")
            tail = (tail + [text])[-20:]
        if "error" in chunk:
            raise SandboxUnavailable(
                f"building {image_tag(language)} failed: {chunk['error']}\n{''.join(tail)}"
            )
    return client.images.get(image_tag(language)).id


def _stage_host_files(language: str) -> None:
    """Run the prepare steps that need the host (npm and its registry) into <lang>/build/."""
    build = SANDBOXES / language / "build"
    digest = inputs_digest(SANDBOXES / language)
    if language != "js" or read_text_or_none(build / ".prepared") == digest:
        return
    shutil.rmtree(build, ignore_errors=True)
    done = subprocess.run(
        ["sh", str(SANDBOXES / "js/prepare.sh"), str(build)], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SandboxUnavailable(f"js/prepare.sh (npm) failed on the host:\n{done.stderr[-2000:]}")
    (build / ".prepared").write_text(digest)


def _check_base(client: docker.DockerClient) -> None:
    try:
        client.images.get(base_image())
    except ImageNotFound:
        raise SandboxUnavailable(
            f"base image {base_image()} is missing: run `make base-image` "
            f"(sandboxes/base_image.sh), or set {BASE_ENV} to an image you have"
        ) from None


def ensure(client: docker.DockerClient, languages: list[str], log=sys.stderr) -> dict[str, str]:
    """Build the images that are missing or stale; return {language: image id}."""
    ids = {}
    for language in languages:
        if not is_current(client, language):
            try:
                build(client, language, log)
            except (APIError, DockerException) as exc:
                message = f"building {image_tag(language)} failed ({exc}); {REMEDY}"
                raise SandboxUnavailable(message) from exc
        ids[language] = client.images.get(image_tag(language)).id
    return ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the HumanEval-X sandbox images.")
    parser.add_argument("command", choices=["build", "status"])
    parser.add_argument("languages", nargs="*", default=list(sandbox_languages()))
    args = parser.parse_args(argv)
    client = docker.from_env()
    if args.command == "build":
        try:
            ids = ensure(client, args.languages)
        except SandboxUnavailable as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    else:
        ids = {lang: is_current(client, lang) for lang in args.languages}
    print(json.dumps(ids, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
