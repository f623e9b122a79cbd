"""What a server says about itself and its model, kept to the facts that stay the same between
runs (so that a resumed run is recognised as the same settings)."""

from __future__ import annotations

from runners.openai.client import Client

# Fields of a /v1/models entry that describe the model (vLLM, SGLang, llama.cpp, MindIE, …);
# timestamps and load states are left out.
MODEL_FIELDS = ("id", "owned_by", "root", "parent", "max_model_len", "meta")
# Root paths that some servers answer with their version (vLLM: /version; llama.cpp: /props).
VERSION_PATHS = {"/version": ("version",), "/props": ("build_info",)}
HEADERS = ("server", "x-powered-by")


async def server_facts(client: Client, model: str) -> dict:
    """The served model's /v1/models entry, the server's identifying headers and version."""
    listing, headers = await client.get_json("/v1/models")
    entries = listing.get("data", []) if listing else []
    entry = next((e for e in entries if isinstance(e, dict) and e.get("id") == model), {})
    facts: dict = {
        "served_model": {key: entry[key] for key in MODEL_FIELDS if key in entry} or None,
        "headers": {name: headers[name] for name in HEADERS if name in headers},
    }
    for path, keys in VERSION_PATHS.items():
        body, _ = await client.get_json(path)
        for key in keys:
            if body and isinstance(body.get(key), (str, int, float)):
                facts[key] = body[key]
    return facts
