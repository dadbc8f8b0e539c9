"""Importing another recorder's cassette: its records priced and scrubbed as a recording's are, then written."""

from __future__ import annotations

import os
from collections.abc import Iterable

from ..cassette import file as cassette_file
from ..cassette.importers import read_foreign
from ..cassette.interactions import Interaction, record_from_dict
from ..cassette.redact import Redactor
from ..trace import Trace
from ..trace.pricing import price_interaction


def import_cassette(
    path: str | os.PathLike[str], save_to: str | os.PathLike[str] | None = None, *, redact: Iterable[str] = ()
) -> Trace:
    """Read a TraceOps 0.5 or VCR.py cassette; write it as a traceops_nb cassette at save_to (if given).

    The format is detected from the file. The returned trace holds exactly what is (or would be)
    written: headers allow-listed, environment secrets and `redact` patterns scrubbed.
    """
    records = read_foreign(path)
    for record in records:
        if isinstance(record, Interaction):
            price_interaction(record)  # from today's table: the other recorder stored no cost
    redactor = Redactor.from_environment(redact)
    records = [record_from_dict(redactor.scrub(record.to_dict())) for record in records]
    if save_to is not None:
        cassette_file.write_interactions(save_to, records, redactor)
    return Trace(records, cassette=str(save_to) if save_to is not None else None)
