"""Stage 3, trace: from records to what an agent did (Event, Trace, providers' adapters, prices, normalize).
May import errors and cassette."""

from .event import (
    COUNTING_OPERATIONS,
    Event,
    ToolCall,
    format_cost,
    join_text,
    parts_text,
    plural,
    short,
    tool_arguments,
)
from .trace import Trace, as_trace, event_from, total_cost, traces

__all__ = [
    "COUNTING_OPERATIONS",
    "Event",
    "ToolCall",
    "Trace",
    "as_trace",
    "event_from",
    "format_cost",
    "join_text",
    "parts_text",
    "plural",
    "short",
    "tool_arguments",
    "total_cost",
    "traces",
]
