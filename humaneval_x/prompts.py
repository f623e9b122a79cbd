"""Prompt texts sent to a model: code generation and code translation (CodeGeeX layout)."""

from __future__ import annotations

from humaneval_x.languages import get_language
from humaneval_x.problem import Problem


def generation_prompt(problem: Problem) -> str:
    """Language tag line, then the problem's prompt (Rust: prompt and declaration)."""
    spec = get_language(problem.language)
    return spec.tag_line + "\n" + spec.generation_context(problem)


def translation_prompt(source: Problem, target: Problem) -> str:
    """Source solution without its description, then the target's declaration to continue."""
    source_spec, target_spec = get_language(source.language), get_language(target.language)
    return (
        "code translation\n"
        f"{source_spec.display_name}:\n"
        f"{source.declaration}\n{source.canonical_solution.rstrip()}\n"
        f"{target_spec.display_name}:\n"
        f"{target_spec.translation_context(target)}"
    )
