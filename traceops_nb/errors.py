"""The exceptions traceops_nb raises, each with a message a person can act on.

Every error derives from the OpenAI and Anthropic SDKs' own base error types once those SDKs are
imported, so when one is raised from inside an SDK call neither SDK wraps it in a connection error or
retries it. The SDKs are not imported for that: `adopt_sdk_bases` runs when each is (see
intercept/imports.py), and swaps the base classes in place, so every class keeps its identity.
"""

from __future__ import annotations

import sys

SDK_BASE_ERRORS = {"openai": "OpenAIError", "anthropic": "AnthropicError"}  # module -> its base error class


class _BeforeAnySdk(Exception):
    """CassetteError's base while no SDK is imported: a plain exception with the object layout of the SDKs'
    base errors, which Python requires of a class whose bases are replaced."""


class CassetteError(_BeforeAnySdk):
    """Base class of every traceops_nb error."""


def adopt_sdk_bases(*_: object) -> None:
    """Make CassetteError derive from the base error of every SDK imported so far."""
    bases = tuple(
        getattr(sys.modules[name], attr)
        for name, attr in SDK_BASE_ERRORS.items()
        if name in sys.modules and hasattr(sys.modules[name], attr)
    )
    if bases and CassetteError.__bases__ != bases:
        CassetteError.__bases__ = bases


class CassetteNotFoundError(CassetteError):
    """Replay was asked for, but the cassette file does not exist."""


class CassetteMismatchError(CassetteError):
    """No recorded request matches the request the code just made."""


class CassetteExhaustedError(CassetteError):
    """Matching requests were recorded, but every one of them has already been played."""


class CassetteUnusedError(CassetteError):
    """A strict replay ended with recorded interactions that were never played."""


class CassetteFormatError(CassetteError):
    """The cassette cannot be read: not YAML, unsafe YAML, a wrong shape or an unknown version."""


class CassetteSecretError(CassetteError):
    """Something that looks like a credential would have been written to a cassette."""


class CassetteConflictError(CassetteError):
    """A `%%record` cell would replace a cassette that another cell of the same notebook records."""


class BaselineNotFoundError(CassetteNotFoundError):
    """accept, rollback or compare was asked for, but the cassette has no baseline beside it."""


class CassetteNetworkError(CassetteError, ConnectionError):
    """A replay-only session refused a network connection (or a name lookup) the code tried to make.

    Also a ConnectionError, so a library that catches connection errors reports this one, message inside.
    """


class CassetteSaveError(CassetteError):
    """The cassette could not be written (disk full, a folder that cannot be written); the recording is kept."""


class TraceopsWarning(UserWarning):
    """Something a session did that is not an error, but that the user must know about."""


class UnrecordedTrafficWarning(TraceopsWarning):
    """A recording session saw network connections that were not SDK calls: they are not in the cassette."""


class RedactedKeyWarning(TraceopsWarning):
    """Key-shaped text that no SDK sent as a credential was replaced by a marker in the written cassette."""


class UnrecordedCallError(CassetteError):
    """While replaying only, an SDK call was made outside any cassette: stopped before the network."""
