"""On replay, skip openai's parameter transform where it provably returns its input unchanged.

openai's resource methods run `transform(params, ParamsType)` before they reach layer A; for a
chat call that walk costs more than all of replay. It rewrites data only through
`PropertyInfo(alias=...)` or `PropertyInfo(format=...)` annotations, so when the params are plain
JSON (dict, list, str, int, float, bool, None) and the params type has no such annotation anywhere,
its result equals a copy of the input, less the top-level keys left unset (NotGiven / Omit), which
the transform drops. Only then, and only while a replaying session is active, is
the copy returned instead; everything else takes the SDK's own transform.
"""

from __future__ import annotations

import functools
import importlib
import typing
from typing import Any

from . import context

_MARK = "__traceops_nb__"
_PLAIN_SCALARS = (str, int, float, bool, type(None))


def install() -> None:
    try:
        module = importlib.import_module("openai._utils._transform")
    except ImportError:
        return
    for name, make in (("transform", _sync), ("async_transform", _async)):
        original = getattr(module, name, None)
        if original is None or getattr(original, _MARK, False):
            continue
        wrapper = make(original, _Shortcut(module.PropertyInfo, module.is_given))
        setattr(wrapper, _MARK, True)
        setattr(module, name, wrapper)


class _Shortcut:
    def __init__(self, property_info: type, is_given: Any) -> None:
        self.property_info = property_info
        self.is_given = is_given

    def __call__(self, data: Any, expected_type: Any) -> dict[str, Any] | None:
        """The transform's result when it can be had without it, else None."""
        session = context.active_session()
        if session is None or not session.can_fast_replay or type(data) is not dict:
            return None
        given = {key: value for key, value in data.items() if self.is_given(value)}
        if not _is_plain_json(given):
            return None
        try:
            rewrites = _rewrites(expected_type, self.property_info)
        except TypeError:  # an unhashable annotation: no cached answer, use the SDK's transform
            return None
        return None if rewrites else _copy(given)


def _sync(original: Any, shortcut: _Shortcut) -> Any:
    @functools.wraps(original)
    def transform(data: Any, expected_type: Any) -> Any:
        result = shortcut(data, expected_type)
        return original(data, expected_type) if result is None else result

    return transform


def _async(original: Any, shortcut: _Shortcut) -> Any:
    @functools.wraps(original)
    async def async_transform(data: Any, expected_type: Any) -> Any:
        result = shortcut(data, expected_type)
        return await original(data, expected_type) if result is None else result

    return async_transform


def _is_plain_json(value: Any) -> bool:
    if type(value) in _PLAIN_SCALARS:
        return True
    if type(value) is dict:
        return all(type(key) is str and _is_plain_json(item) for key, item in value.items())
    if type(value) is list:
        return all(_is_plain_json(item) for item in value)
    return False


def _copy(value: Any) -> Any:
    if type(value) is dict:
        return {key: _copy(item) for key, item in value.items()}
    if type(value) is list:
        return [_copy(item) for item in value]
    return value


@functools.lru_cache(maxsize=1024)
def _rewrites(expected_type: Any, property_info: type) -> bool:
    """Whether the transform may change plain JSON params: anything but a TypedDict free of
    PropertyInfo aliases and formats, all the way down."""
    import typing_extensions

    return not typing_extensions.is_typeddict(expected_type) or _walk(expected_type, property_info, set())


def _walk(annotation: Any, property_info: type, seen: set[int]) -> bool:
    if id(annotation) in seen:
        return False
    seen.add(id(annotation))
    import typing_extensions

    if typing_extensions.is_typeddict(annotation):
        hints = typing_extensions.get_type_hints(annotation, include_extras=True)
        return any(_walk(hint, property_info, seen) for hint in hints.values())
    origin = typing.get_origin(annotation)
    if origin is typing.Literal or origin is typing_extensions.Literal:
        return False
    args = typing.get_args(annotation)
    if origin is typing.Annotated or origin is typing_extensions.Annotated:
        extras = getattr(annotation, "__metadata__", ())
        if any(
            isinstance(extra, property_info) and (getattr(extra, "alias", None) or getattr(extra, "format", None))
            for extra in extras
        ):
            return True
        return _walk(args[0], property_info, seen)
    return any(_walk(arg, property_info, seen) for arg in args)
