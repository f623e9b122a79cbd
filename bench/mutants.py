"""Wrong programs made by mutating canonical solutions: operators swapped, constants moved, a
comparison flipped, a line dropped (a dropped `return` makes C++ fall off the end of a function).

The mutants of a problem depend only on its canonical solution and the mutant's number, so two
runs, two machines and two backends judge the same set. Mutants identical to the canonical
solution are skipped.

    python bench/mutants.py --per-problem 4 --out mutants.jsonl [--languages cpp,go]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from humaneval_x.data import load_dataset  # noqa: E402
from humaneval_x.languages import LANGUAGE_KEYS  # noqa: E402
from humaneval_x.problem import Problem  # noqa: E402

SWAPS = {
    "+": "-", "-": "+", "<=": "<", "<": "<=", ">=": ">", ">": ">=", "==": "!=", "!=": "==",
    "&&": "||", "||": "&&", "true": "false", "false": "true", "True": "False", "False": "True",
    "and": "or", "or": "and",
}  # fmt: skip
TOKEN = re.compile(r"<=|>=|==|!=|&&|\|\||\band\b|\bor\b|\btrue\b|\bfalse\b|\bTrue\b|\bFalse\b|"
                   r"(?<![<>=!])[<>](?![<>=])|(?<=[\w)\] ])[+-](?=[\w( ])|\b\d+\b")  # fmt: skip
ATTEMPTS = 20  # tries for a distinct mutant before giving up on one


def mutants(problem: Problem, count: int) -> list[str]:
    """Up to `count` distinct wrong versions of the problem's canonical solution."""
    found: list[str] = []
    for number in range(count * ATTEMPTS):
        if len(found) == count:
            break
        mutant = mutate(problem.canonical_solution, _rng(problem.task_id, number))
        if mutant != problem.canonical_solution and mutant not in found:
            found.append(mutant)
    return found


def mutate(code: str, rng: random.Random) -> str:
    """One mutation: swap an operator or keyword, move a number, or drop a line."""
    if rng.random() < 0.25:
        return _drop_line(code, rng)
    sites = [match for match in TOKEN.finditer(code) if not _in_string(code, match.start())]
    if not sites:
        return _drop_line(code, rng)
    site = rng.choice(sites)
    text = site.group()
    replacement = str(int(text) + rng.choice((-1, 1))) if text.isdigit() else SWAPS[text]
    return code[: site.start()] + replacement + code[site.end() :]


def _drop_line(code: str, rng: random.Random) -> str:
    lines = code.splitlines(keepends=True)
    candidates = [i for i, line in enumerate(lines) if line.strip() not in ("", "{", "}", "};")]
    if not candidates:
        return code
    del lines[rng.choice(candidates)]
    return "".join(lines)


def _in_string(code: str, index: int) -> bool:
    line = code[code.rfind("\n", 0, index) + 1 : index]
    return line.count('"') % 2 == 1 or line.count("'") % 2 == 1


def _rng(task_id: str, number: int) -> random.Random:
    seed = hashlib.sha256(f"{task_id}#{number}".encode()).digest()
    return random.Random(int.from_bytes(seed[:8], "little"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--languages", default=",".join(LANGUAGE_KEYS))
    parser.add_argument("--per-problem", type=int, default=4)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", type=Path, required=True, help="samples.jsonl to write")
    args = parser.parse_args(argv)
    dataset = load_dataset(args.languages.split(","), args.data_dir)
    rows = [
        {"task_id": problem.task_id, "completion_id": index, "generation": text}
        for by_id in dataset.problems.values()
        for problem in by_id.values()
        for index, text in enumerate(mutants(problem, args.per_problem))
    ]
    args.out.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    print(f"{args.out}: {len(rows)} mutants")
    return 0


if __name__ == "__main__":
    sys.exit(main())
