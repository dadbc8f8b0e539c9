"""Stage 2, intercept: the two-layer patch: layer A knows which SDK call is in flight, layer B sees its bytes.
May import errors and cassette.

Patches are installed once, at class level (clients created before a session began are covered),
and dispatch on the active session, so nesting, threads and asyncio.gather behave.
"""

from __future__ import annotations

import threading

from ..errors import SDK_BASE_ERRORS, adopt_sdk_bases
from . import google, imports, sdk, transport

for _sdk in SDK_BASE_ERRORS:  # errors raised inside an SDK call must be that SDK's own (see errors.py)
    imports.when_imported(_sdk, adopt_sdk_bases)

_lock = threading.Lock()
_installed = False


def install() -> None:
    global _installed
    with _lock:
        if not _installed:
            sdk.install()
            google.install()
            transport.install()
            _installed = True
