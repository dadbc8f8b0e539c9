"""Replay of google-genai's generate_content from the cassette, with no HTTP response in between.

`Models._generate_content` and `_generate_content_stream` (sync, and `client.aio`'s) are what
`generate_content`, its automatic function calling and continuation, and `chats` all call. While a
session replays, the wrapper builds the request with the SDK's own functions in the SDK's order, up to its
`_build_request`, and matches it as layer B would have recorded it. A recorded JSON body, or stream of JSON
events, is then turned into `GenerateContentResponse`s as the SDK turns them: its own converter
(`_GenerateContentResponse_from_mldev` / `_from_vertex`), its `_from_response`, the response headers
in `sdk_http_response`, `_verify_response`. The same recorded data always gives the same objects, so
from an answer's second replay on, each chunk is a fresh deep copy of what the SDK made of it then (most
cassettes are replayed once: the first replay keeps nothing). Nothing a caller changes in an answer
reaches the next replay. A request whose config asks `_from_response` for more (a schema to parse the
answer into, unknown fields to keep) has it done afresh each time.

Anything else the cassette holds for the request (a recorded error, an error inside a stream, a body that
is not a JSON object) is handed to the SDK's own route, whose `_request` (google.py) serves that same
interaction; a miss and a raw-response request take that route from the start.

Building the request is the SDK's own cost, paid by a replay too, but part of it is no work at all: its
converters ask `key in model` of its pydantic models, which iterates every field as a (name, value) pair
and can never find a string. While this module builds a request, `_common.BaseModel.__contains__` says so at
once; any other question, and everything else (the SDK's own route included), iterates as Python does.
"""

from __future__ import annotations

import contextvars
import copy
import enum
import functools
import importlib
import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pydantic

from ..cassette.interactions import Interaction
from ..cassette.sse import compact_json
from . import context, imports

MODELS_MODULE = "google.genai.models"
COMMON_MODULE = "google.genai._common"
GENERATE = "{model}:generateContent"
STREAM = "{model}:streamGenerateContent?alt=sse"

Play = Callable[[Any, Any, Any], Interaction | None]  # (session, api client, HttpRequest) -> the recorded answer

# Set while this module builds a request with the SDK's converters (see __contains__ below).
_building: contextvars.ContextVar[bool] = contextvars.ContextVar("traceops_nb_google_building", default=False)

# An interaction this module took from the cassette but leaves to the SDK's route: (api client, interaction).
_handed: contextvars.ContextVar[list[tuple[Any, Interaction]] | None] = contextvars.ContextVar(
    "traceops_nb_google_handed", default=None
)


def install(play: Play) -> None:
    models = importlib.import_module(MODELS_MODULE)
    route = _Route(models, play)
    imports.wrap_method(models.Models, "_generate_content", route.sync_generate)
    imports.wrap_method(models.Models, "_generate_content_stream", route.sync_stream)
    imports.wrap_method(models.AsyncModels, "_generate_content", route.async_generate)
    imports.wrap_method(models.AsyncModels, "_generate_content_stream", route.async_stream)
    _install_contains(importlib.import_module(COMMON_MODULE).BaseModel)


def take_handed(api: Any) -> Interaction | None:
    """The interaction handed to this client's next `_request`, once."""
    handed = _handed.get()
    if handed and handed[-1][0] is api:
        return handed.pop()[1]
    return None


class _Handing:
    """While the SDK's route runs, its `_request` is answered with `played`; left over, it is dropped."""

    def __init__(self, api: Any, played: Interaction) -> None:
        self.entry = (api, played)

    def __enter__(self) -> None:
        handed = _handed.get()
        if handed is None:
            handed = []
            _handed.set(handed)
        handed.append(self.entry)

    def __exit__(self, *_: object) -> None:
        handed = _handed.get() or []
        for i, entry in enumerate(handed):
            if entry is self.entry:
                del handed[i]
                return


class _Route:
    def __init__(self, models: Any, play: Play) -> None:
        self.models = models
        self.play = play

    # -- the four wrappers ----------------------------------------------------------------------------

    def sync_generate(self, original: Any) -> Any:
        @functools.wraps(original)
        def _generate_content(this: Any, *, model: str, contents: Any, config: Any = None) -> Any:
            found = self._found(this, model, contents, config, GENERATE)
            if found is None:
                return original(this, model=model, contents=contents, config=config)
            parameters, played, answer = found
            if answer is None:
                with _Handing(this._api_client, played):
                    return original(this, model=model, contents=contents, config=config)
            return next(self._responses(this, parameters, played, answer))

        return _generate_content

    def sync_stream(self, original: Any) -> Any:
        @functools.wraps(original)
        def _generate_content_stream(this: Any, *, model: str, contents: Any, config: Any = None) -> Iterator[Any]:
            found = self._found(this, model, contents, config, STREAM)
            if found is None:
                yield from original(this, model=model, contents=contents, config=config)
                return
            parameters, played, answer = found
            if answer is None:
                with _Handing(this._api_client, played):
                    yield from original(this, model=model, contents=contents, config=config)
                return
            yield from self._responses(this, parameters, played, answer)

        return _generate_content_stream

    def async_generate(self, original: Any) -> Any:
        @functools.wraps(original)
        async def _generate_content(this: Any, *, model: str, contents: Any, config: Any = None) -> Any:
            found = self._found(this, model, contents, config, GENERATE)
            if found is None:
                return await original(this, model=model, contents=contents, config=config)
            parameters, played, answer = found
            if answer is None:
                with _Handing(this._api_client, played):
                    return await original(this, model=model, contents=contents, config=config)
            return next(self._responses(this, parameters, played, answer))

        return _generate_content

    def async_stream(self, original: Any) -> Any:
        @functools.wraps(original)
        async def _generate_content_stream(this: Any, *, model: str, contents: Any, config: Any = None) -> Any:
            found = self._found(this, model, contents, config, STREAM)
            if found is None:
                return await original(this, model=model, contents=contents, config=config)
            parameters, played, answer = found
            if answer is None:
                with _Handing(this._api_client, played):  # the SDK sends the request before it returns
                    return await original(this, model=model, contents=contents, config=config)

            async def chunks() -> AsyncIterator[Any]:
                for response in self._responses(this, parameters, played, answer):
                    yield response

            return chunks()

        return _generate_content_stream

    # -- the steps ------------------------------------------------------------------------------------

    def _found(self, this: Any, model: str, contents: Any, config: Any, method: str) -> Any:
        """(parameters, the recorded interaction, its answer or None for the SDK's route), or None:
        not replaying, a raw-response request, or a miss."""
        session = context.active_session()
        if session is None or not session.can_fast_replay or getattr(config, "should_return_http_response", None):
            return None
        api = this._api_client
        parameters, http_request = self._request(api, model, contents, config, method)
        played = self.play(session, api, http_request)
        if played is None:
            return None
        return parameters, played, self._answer(api, played, stream=method == STREAM)

    def _request(self, api: Any, model: str, contents: Any, config: Any, method: str) -> tuple[Any, Any]:
        """What the SDK's `_generate_content[_stream]` builds before it calls `request`, then `_build_request`."""
        token = _building.set(True)
        try:
            return self._built_request(api, model, contents, config, method)
        finally:
            _building.reset(token)

    def _built_request(self, api: Any, model: str, contents: Any, config: Any, method: str) -> tuple[Any, Any]:
        models = self.models
        parameters = models.types._GenerateContentParameters(model=model, contents=contents, config=config)
        to_wire = (
            models._GenerateContentParameters_to_vertex if api.vertexai else models._GenerateContentParameters_to_mldev
        )
        request_dict = to_wire(api, parameters, None, parameters)
        url = request_dict.get("_url")
        path = method.format_map(url) if url else method
        query = request_dict.get("_query")
        if query:
            path = f"{path}?{urlencode(query)}"
        request_dict.pop("config", None)
        http_options = parameters.config.http_options if parameters.config is not None else None
        common = models._common
        request_dict = common.encode_unserializable_types(common.convert_to_dict(request_dict))
        return parameters, api._build_request("post", path, request_dict, http_options)

    def _answer(self, api: Any, played: Interaction, *, stream: bool) -> _Answer | None:
        """The recorded answer as this module serves it; None when the SDK would not read it as JSON objects."""
        recorded = played.response
        source: Any = recorded.events if stream else recorded.body
        if recorded.status >= 400:
            return None
        key = (id(source), bool(api.vertexai))
        with _lock:
            answer = _ANSWERS.get(key)
            if answer is None or answer.source is not source or answer.length != len(source):
                if not _servable(source, stream):  # checked once per answer, not on every replay of it
                    return None
                if len(_ANSWERS) >= _ANSWERS_MAX:
                    _ANSWERS.clear()
                answer = _ANSWERS[key] = _Answer(
                    source, len(source), [event["data"] for event in source] if stream else [source]
                )
            answer.replays += 1
            answer.keep = answer.replays > 1
        return answer

    def _responses(self, this: Any, parameters: Any, played: Interaction, answer: _Answer) -> Iterator[Any]:
        """The tail of the SDK's `_generate_content[_stream]`, one response per chunk, made as they are read."""
        types = self.models.types
        kwargs = _response_kwargs(getattr(parameters, "config", None))
        plain = not any(kwargs.get("config", {}).values())  # no schema to parse into, no unknown fields to keep
        convert = (
            self.models._GenerateContentResponse_from_vertex
            if this._api_client.vertexai
            else self.models._GenerateContentResponse_from_mldev
        )
        for index, recorded in enumerate(answer.objects):
            kept = answer.kept[index]
            if kept is not None and plain:
                value = fresh_copy(kept)
            else:
                chunk = convert(_copied(recorded), None, parameters)  # the cassette's data stays as it is
                value = types.GenerateContentResponse._from_response(response=chunk, kwargs=kwargs)
                if answer.keep and plain:
                    answer.kept[index] = fresh_copy(value)
            value.sdk_http_response = types.HttpResponse(headers=dict(played.response.headers))
            this._api_client._verify_response(value)
            yield value


@dataclass
class _Answer:
    """A recorded answer (a JSON body, or a stream's events), and, once it is replayed again, what the
    SDK's converter and `_from_response` made of each chunk of it."""

    source: Any  # kept alive with it, so that its id (the cache key) is not reused
    length: int
    objects: list[Any]  # the chunks as recorded (read only)
    replays: int = 0
    keep: bool = False
    kept: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.kept = [None] * len(self.objects)


def _response_kwargs(config: Any) -> dict[str, Any]:
    """What the SDK hands `_from_response` about the request's config."""
    if not config:
        return {}
    names = ("response_schema", "response_json_schema", "include_all_fields")
    return {"config": {name: getattr(config, name, None) for name in names}}


def _copied(data: Any) -> Any:
    return json.loads(compact_json(data))


# Recorded answers served, by (id of the answer, vertexai).
_ANSWERS: dict[tuple[int, bool], _Answer] = {}
_ANSWERS_MAX = 256
_lock = threading.Lock()


_ATOMS = frozenset({str, int, float, bool, type(None), bytes})
_set = object.__setattr__


def fresh_copy(value: Any) -> Any:
    """A deep copy of a validated pydantic value, as `model_copy(deep=True)` makes it but without
    `copy.deepcopy`'s generic machinery for the plain data a response holds: models, lists, dicts, and
    immutable leaves (shared), anything else deep-copied."""
    kind: Any = type(value)
    if kind in _ATOMS or isinstance(value, enum.Enum):
        return value
    if kind is list:
        return [item if type(item) in _ATOMS else fresh_copy(item) for item in value]
    if kind is dict:
        return {key: item if type(item) in _ATOMS else fresh_copy(item) for key, item in value.items()}
    if isinstance(value, pydantic.BaseModel):
        copied = kind.__new__(kind)
        fields = value.__dict__
        _set(
            copied,
            "__dict__",
            {key: item if type(item) in _ATOMS else fresh_copy(item) for key, item in fields.items()},
        )
        _set(copied, "__pydantic_extra__", fresh_copy(value.__pydantic_extra__))
        _set(copied, "__pydantic_fields_set__", set(value.__pydantic_fields_set__))
        _set(copied, "__pydantic_private__", fresh_copy(value.__pydantic_private__))
        return copied
    return copy.deepcopy(value)


def _servable(source: Any, stream: bool) -> bool:
    """A JSON object, or a stream of them, none of which the SDK would raise as an error."""
    if not stream:
        return isinstance(source, dict)
    return isinstance(source, list) and all(
        isinstance(event.get("data"), dict) and next(iter(event["data"]), None) != "error" for event in source
    )


def _install_contains(model_class: type) -> None:
    if "__contains__" in model_class.__dict__ or any("__contains__" in c.__dict__ for c in model_class.__mro__[1:-1]):
        return  # the SDK or pydantic answers `in` itself now

    def __contains__(self: Any, item: object) -> bool:
        if type(item) is str and _building.get():
            return False  # a model iterates (name, value) pairs: no string is ever among them
        return any(pair is item or pair == item for pair in self)

    setattr(model_class, "__contains__", __contains__)  # noqa: B010  (a class attribute mypy cannot see)
