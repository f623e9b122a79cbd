"""The leaderboard page: static checks, then a real headless Chromium over the DevTools protocol.

The browser tests skip when Chromium or websocket-client is missing, and fail instead when
HUMANEVAL_X_REQUIRE_BROWSER=1. A screenshot is saved to build/artifacts/leaderboard.png.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from humaneval_x import leaderboard
from humaneval_x.leaderboard_page import render_page, write_page

ARTIFACTS = Path(__file__).resolve().parents[1] / "build" / "artifacts"
LANGS = ("python", "cpp", "java", "js", "go")
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--remote-debugging-port=0", "--window-size=1280,900",
)  # fmt: skip


def entry(model: str, task: str, scores: dict[str, float], **changes: object) -> dict:
    """A leaderboard entry whose groups have pass@1 (and pass@10 = min(1, 2 x pass@1)), an
    interval of pass@1 +- 0.05, and all 164 problems."""
    groups = {
        g: {
            "pass@1": v,
            "pass@1_ci95": [max(0.0, v - 0.05), min(1.0, v + 0.05)],
            "pass@10": min(1.0, 2 * v),
            "n_tasks": 164,
            "n_problems": 164,
        }
        for g, v in scores.items()
    }
    of_groups = 30 if task == "translation" else 6
    data = {
        "model": model,
        "checkpoint": None,
        "task": task,
        "run_id": f"run-{model}-{task}",
        "date": "2026-11-27T12:00:00Z",
        "harness_version": "0.1.0",
        "sampling": {"n": 20, "temperature": 0.8, "top_p": 0.95, "seed": 42},
        "n": 20,
        "dataset": {"name": "THUDM/humaneval-x", "source": "local", "digest": "sha256:abc"},
        "sandbox": {"backend": "docker", "images": {"cpp": "sha256:img"}, "toolchains": {}},
        "groups": groups,
        "coverage": {
            "groups": len(groups),
            "of_groups": of_groups,
            "tasks": 164 * len(groups),
            "problems": 164 * len(groups),
            "complete": len(groups) == of_groups,
        },
        "postprocess": "none",
        "average": {
            "pass@1": sum(scores.values()) / len(scores),
            "pass@10": sum(g["pass@10"] for g in groups.values()) / len(groups),
        },
    }
    data.update(changes)
    return data


def partial(data: dict) -> dict:
    """The entry with only 100 of Python's 164 problems judged."""
    data["groups"]["python"]["n_tasks"] = 100
    data["coverage"] = {**data["coverage"], "tasks": data["coverage"]["tasks"] - 64}
    return data


@pytest.fixture(scope="module")
def board() -> dict:
    pairs = [f"{s}->{t}" for s in LANGS for t in LANGS if s != t]
    entries = [
        entry(
            "codegeex-13b",
            "generation",
            dict(zip(LANGS, (0.23, 0.17, 0.20, 0.18, 0.14), strict=True)),
        ),
        partial(entry("codegen-16b", "generation", {"python": 0.29, "cpp": 0.21, "go": 0.11})),
        entry("<b>tiny</b>", "generation", {"python": 0.05, "rust": 0.01}, checkpoint="c-1"),
        entry(
            "codegeex-13b",
            "translation",
            {p: (0.97, 1.0)[i] if i < 2 else (i % 10) / 10 for i, p in enumerate(pairs)},
        ),
        entry("legacy", "translation", {"python->cpp": 0.3, "cpp->go": 0.2}, migrated_from=0),
    ]
    result = {**leaderboard.empty(), "entries": entries}
    leaderboard.validate(result, "test board")
    return result


def test_page_is_self_contained(board: dict) -> None:
    page = render_page(board)
    assert "http://" not in page and "https://" not in page
    assert "<link" not in page and " src=" not in page
    assert "&lt;b&gt;tiny&lt;/b&gt;" in page and "<b>tiny</b>" not in page
    assert page.count('<rect class="bar"') == 2 * (5 + 3 + 2)
    assert page.count('<rect class="cell"') == 20 + 2
    assert page.count("<article id=") == len(board["entries"])
    assert page.count('<line class="ci"') == 2 * (5 + 3 + 2) // 2  # pass@1 bars have intervals


def test_a_complete_entry_has_no_marks_and_legacy_entries_no_coverage() -> None:
    complete = entry("full", "generation", dict.fromkeys(("python", "cpp", "java", "js", "go",
                                                          "rust"), 0.5))  # fmt: skip
    legacy = entry("old", "generation", {"python": 0.5}, coverage=None, migrated_from=0)
    board = {**leaderboard.empty(), "entries": [complete, legacy]}
    leaderboard.validate(board, "test board")
    rows = render_page(board).split("<tbody>")[1].split("</tbody>")[0].split("</tr>")
    assert "mark" not in rows[0] and ">complete</td>" in rows[0]
    assert "&dagger;" in rows[1] and ">unknown</td>" in rows[1]


# ---- the browser ----------------------------------------------------------------------------


def _need(reason: str | None) -> None:
    if reason is None:
        return
    if os.environ.get("HUMANEVAL_X_REQUIRE_BROWSER") == "1":
        pytest.fail(f"HUMANEVAL_X_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def _chromium() -> str | None:
    candidates = ("chromium", "chromium-browser", "google-chrome")
    found = os.environ.get("HUMANEVAL_X_CHROMIUM") or next(
        (path for path in map(shutil.which, candidates) if path), None
    )
    return found if found and Path(found).exists() else None


class DevTools:
    """A minimal Chrome DevTools protocol client over one browser websocket (flat sessions)."""

    def __init__(self, url: str) -> None:
        import websocket

        self.socket = websocket.create_connection(url, timeout=30, suppress_origin=True)
        self.last_id = 0
        self.events: list[dict] = []
        self.session: str | None = None

    def send(self, method: str, **params: object) -> dict:
        self.last_id += 1
        message = {"id": self.last_id, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        self.socket.send(json.dumps(message))
        while True:
            reply = json.loads(self.socket.recv())
            if reply.get("id") != self.last_id:
                self.events.append(reply)
            elif "error" in reply:
                raise RuntimeError(f"{method}: {reply['error']}")
            else:
                return reply["result"]

    def wait_for(self, method: str, timeout: float = 20) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events:
                if event.get("method") == method:
                    return event
            self.events.append(json.loads(self.socket.recv()))
        raise TimeoutError(method)

    def evaluate(self, expression: str) -> object:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def click(self, selector: str) -> None:
        """A real mouse click at the centre of the element."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            self.send(
                "Input.dispatchMouseEvent",
                type=kind,
                x=box[0],
                y=box[1],
                button="left",
                clickCount=1,
            )


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevTools]:
    try:
        import websocket  # noqa: F401
    except ImportError:
        _need("the websocket-client package is not installed")
    executable = _chromium()
    _need(None if executable else "no Chromium found (set HUMANEVAL_X_CHROMIUM)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    log = (profile.parent / "chromium.log").open("wb")
    process = subprocess.Popen(
        [executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        client = DevTools(_browser_url(profile, process))
        yield client
        client.socket.close()
    finally:
        _stop(process)
        log.close()


def _browser_url(profile: Path, process: subprocess.Popen) -> str:
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        lines = port_file.read_text().split("\n") if port_file.exists() else []
        if len(lines) >= 2 and lines[1]:
            return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        time.sleep(0.1)
    pytest.fail(f"Chromium did not open its DevTools port (exit code {process.poll()})")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="module")
def page(browser: DevTools, board: dict, tmp_path_factory: pytest.TempPathFactory) -> DevTools:
    path = tmp_path_factory.mktemp("page") / "leaderboard.html"
    write_page(board, path)
    target = browser.send("Target.createTarget", url="about:blank")["targetId"]
    browser.session = browser.send("Target.attachToTarget", targetId=target, flatten=True)[
        "sessionId"
    ]
    for domain in ("Page", "Runtime", "Log", "Network"):
        browser.send(f"{domain}.enable")
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        width=1280,
        height=900,
        deviceScaleFactor=1,
        mobile=False,
    )
    browser.events.clear()
    browser.send("Page.navigate", url=path.as_uri())
    browser.wait_for("Page.loadEventFired")
    return browser


def test_page_loads_without_errors_or_network(page: DevTools) -> None:
    errors = [
        event
        for event in page.events
        if event.get("method") == "Runtime.exceptionThrown"
        or (
            event.get("method") == "Runtime.consoleAPICalled"
            and event["params"]["type"] in ("error", "assert", "warning")
        )
        or (
            event.get("method") == "Log.entryAdded" and event["params"]["entry"]["level"] == "error"
        )
    ]
    assert errors == []
    requested = [
        e["params"]["request"]["url"]
        for e in page.events
        if e.get("method") == "Network.requestWillBeSent"
    ]
    assert requested and all(url.startswith("file://") for url in requested)
    assert page.evaluate("document.title") == "HumanEval-X leaderboard"


def test_charts_render(page: DevTools) -> None:
    counts = page.evaluate(
        "Array.from(document.querySelectorAll('svg.bars')).map(svg => [svg.dataset.metric,"
        " Array.from(svg.querySelectorAll('rect.bar')).filter(r => r.getBBox().height > 0).length])"
    )
    assert counts == [["pass@1", 10], ["pass@10", 10]]
    cells = page.evaluate(
        "Array.from(document.querySelectorAll('svg.heatmap')).map(svg =>"
        " Array.from(svg.querySelectorAll('rect.cell')).filter(r => r.getBBox().width > 0).length)"
    )
    assert cells == [20, 2]
    assert (
        page.evaluate("document.querySelector('svg.heatmap').getBoundingClientRect().width") > 200
    )


def _column(page: DevTools, table: str, index: int) -> list[str]:
    return page.evaluate(
        f"Array.from(document.querySelectorAll('#{table} tbody tr'))"
        f".map(r => r.cells[{index}].textContent)"
    )


def test_table_sorts_on_click(page: DevTools) -> None:
    assert _column(page, "table-generation", 0) == ["codegeex-13b", "codegen-16b", "<b>tiny</b>"]
    # Average pass@1 is the third column: numbers sort descending on the first click
    page.click("#table-generation th:nth-child(3)")
    assert _column(page, "table-generation", 0) == ["codegen-16b", "codegeex-13b", "<b>tiny</b>"]
    page.click("#table-generation th:nth-child(3)")
    assert _column(page, "table-generation", 0) == ["<b>tiny</b>", "codegeex-13b", "codegen-16b"]
    # Go pass@1: the entry without Go stays last in both directions
    header = page.evaluate(
        "Array.from(document.querySelectorAll('#table-generation th')).map(h => h.textContent)"
    )
    page.click(f"#table-generation th:nth-child({header.index('Go pass@1') + 1})")
    assert _column(page, "table-generation", 0)[-1] == "<b>tiny</b>"
    page.click("#table-generation th:nth-child(1)")
    assert _column(page, "table-generation", 0) == ["<b>tiny</b>", "codegeex-13b", "codegen-16b"]
    assert (
        page.evaluate(
            "document.querySelector('#table-generation th:nth-child(1)').getAttribute('aria-sort')"
        )
        == "ascending"
    )


def test_provenance_of_every_entry(page: DevTools, board: dict) -> None:
    facts = page.evaluate(
        "Array.from(document.querySelectorAll('#provenance article')).map(a => a.innerText)"
    )
    assert len(facts) == len(board["entries"])
    assert all("sha256:abc" in text and "0.1.0" in text for text in facts)
    assert "3 of 6 languages, 428 of 492 problems" in facts[1] and "none" in facts[1]
    assert "migrated from schema_version" in facts[-1]


def test_coverage_marks_and_intervals_are_shown(page: DevTools) -> None:
    header = page.evaluate(
        "Array.from(document.querySelectorAll('#table-generation th')).map(h => h.textContent)"
    )
    models = _column(page, "table-generation", 0)
    coverage = dict(
        zip(models, _column(page, "table-generation", header.index("Coverage")), strict=True)
    )
    assert coverage == {
        "codegeex-13b": "5 of 6 languages, 820 of 820 problems",
        "codegen-16b": "3 of 6 languages, 428 of 492 problems",
        "<b>tiny</b>": "2 of 6 languages, 328 of 328 problems",
    }
    marks = page.evaluate(
        "Object.fromEntries(Array.from(document.querySelectorAll('#table-generation tbody tr'))"
        ".map(r => [r.cells[0].textContent, Array.from(r.querySelectorAll('sup.mark'))"
        ".map(m => m.textContent + ' ' + m.title)]))"
    )
    assert marks["codegen-16b"] == [
        "\u2020 average over 3 of 6 languages: python, cpp, go",
        "\u2020 average over 3 of 6 languages: python, cpp, go",
        "* 100 of 164 problems",
    ]
    python = dict(
        zip(models, _column(page, "table-generation", header.index("Python pass@1")), strict=True)
    )
    assert python["codegeex-13b"] == "23.00[18.0\u201328.0]"
    visible = page.evaluate(
        "Array.from(document.querySelectorAll('small.ci')).filter(e => e.offsetHeight > 0).length"
    )
    assert visible == 5 + 3 + 2
    whiskers = page.evaluate(
        "Array.from(document.querySelectorAll('svg.bars line.ci'))"
        ".filter(l => l.getBBox().height > 0).length"
    )
    assert whiskers == 5 + 3 + 2


def test_heatmap_colours_tell_97_from_100(page: DevTools) -> None:
    fills = page.evaluate(
        "Object.fromEntries(Array.from(document.querySelectorAll('svg.heatmap rect.cell'))"
        ".map(r => [r.dataset.value, getComputedStyle(r).fill]))"
    )

    def rgb(text: str) -> tuple[int, ...]:
        return tuple(int(part) for part in text[text.index("(") + 1 : -1].split(","))

    def distance(a: str, b: str) -> float:
        return sum((x - y) ** 2 for x, y in zip(rgb(fills[a]), rgb(fills[b]), strict=True)) ** 0.5

    assert distance("0.97", "1.0") > 100
    assert distance("0.9", "0.97") > 40 and distance("0.0", "0.5") > 100
    legend = page.evaluate("document.querySelector('.heat-legend').innerText")
    assert "97%" in legend and "100%" in legend


def test_screenshot_is_saved(page: DevTools) -> None:
    shot = page.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    png = base64.b64decode(shot["data"])
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "leaderboard.png").write_bytes(png)
