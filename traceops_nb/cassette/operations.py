"""Which API operations generate, and which do not. Fetching a stored response, listing models, files, batches:
such calls are recorded and replayed like any other, but they are `api_call` steps, never LLM calls, and cost
nothing. The tables are explicit; an operation name is the SDK's resource path and method
(`responses.retrieve`, `models.list`), taken from the call in flight where known, else read from the HTTP path.
Pure."""

from __future__ import annotations

import re

# Operations of a generating resource that generate nothing.
NON_GENERATING_OPERATIONS = frozenset(
    {
        "responses.retrieve",
        "responses.delete",
        "responses.cancel",
        "responses.input_items",
        "responses.input_items.list",
        "chat.completions.retrieve",
        "chat.completions.update",
        "chat.completions.list",
        "chat.completions.delete",
        "chat.completions.messages",
        "chat.completions.messages.list",
        "interactions.get",
        "interactions.delete",
        "interactions.cancel",
    }
)
# Resources none of whose operations generate (their first name: `files.content`, `messages.batches.list`).
NON_GENERATING_RESOURCES = frozenset(
    {
        "batches",
        "containers",
        "conversations",
        "evals",
        "files",
        "fine_tuning",
        "messages.batches",
        "models",
        "uploads",
        "vector_stores",
        "webhooks",
    }
)
# The generating operations, by the path the SDK's resource method posts to (without a `/v1` prefix).
GENERATING_PATHS = {
    "/chat/completions": "chat.completions",
    "/responses": "responses",
    "/embeddings": "embeddings",
    "/completions": "completions",
    "/responses/input_tokens": "responses.input_tokens",
    "/messages": "messages",
    "/messages/count_tokens": "messages.count_tokens",
}
_NAME = re.compile(r"^[a-z_]+$")  # a resource or action in a path; anything else (resp_1, file-2, gpt-4o) is an id


def operation_of(method: str, path: str) -> str:
    """The operation of a call to `path` (SDK-relative): POST /chat/completions → chat.completions, POST
    /v1/messages → messages, GET /responses/resp_1 → responses.retrieve."""
    bare = path.split("?", 1)[0]
    bare = bare[3:] if bare.startswith("/v1/") else bare
    if method == "POST" and bare in GENERATING_PATHS:
        return GENERATING_PATHS[bare]
    parts = [part for part in bare.split("/") if part]
    dotted = ".".join(parts)
    if method == "POST" and parts and all(_NAME.match(part) for part in parts) and generates(dotted):
        return dotted  # a generating resource's own operation: moderations, images.generations, audio.speech
    return operation_from_path(method, bare)


def generates(operation: str) -> bool:
    """False for an operation that only fetches, lists, stores or deletes."""
    if operation in NON_GENERATING_OPERATIONS:
        return False
    return not any(
        operation == resource or operation.startswith(f"{resource}.") for resource in NON_GENERATING_RESOURCES
    )


def operation_from_path(method: str, path: str) -> str:
    """The REST operation a path names: GET /responses/resp_1 → responses.retrieve, GET /models → models.list,
    POST /files → files.create, GET /files/file-1/content → files.content, DELETE /files/file-1 → files.delete."""
    parts = [part for part in path.strip("/").split("/") if part and part != "v1"]
    names = [part for part in parts if _NAME.match(part)]
    if not names:
        return path.strip("/").replace("/", ".")
    if len(parts) > 1 and _NAME.match(parts[-1]) and not _NAME.match(parts[-2]):
        return ".".join(names)  # an action on one item: responses/resp_1/cancel, files/file-1/content
    return ".".join([*names, _verb(method, ends_with_id=not _NAME.match(parts[-1]))])


def _verb(method: str, ends_with_id: bool) -> str:
    if method == "DELETE":
        return "delete"
    if method == "GET":
        return "retrieve" if ends_with_id else "list"
    return "update" if ends_with_id else "create"
