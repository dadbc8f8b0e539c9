"""OTLP, the wire format of OpenTelemetry: spans as OTLP/JSON (a file) and as OTLP/HTTP protobuf (a POST to a
collector), with the collector's URL, headers, timeout and compression resolved as the OpenTelemetry SDK
resolves them from `OTEL_EXPORTER_OTLP_*`.

Posted here rather than through the SDK's OTLPSpanExporter, which never raises and logs its failures
without the URL or the collector's answer: a failed export is an OtlpError that names both.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan

DEFAULT_ENDPOINT = "http://localhost:4318"
TRACES_PATH = "/v1/traces"
ID_KEYS = frozenset({"traceId", "spanId", "parentSpanId"})


class OtlpError(Exception):
    """A collector could not be reached, or answered with an error."""


# -- OTLP/JSON ------------------------------------------------------------------------------------------------


def to_json(spans: Sequence[ReadableSpan]) -> dict[str, Any]:
    """The ExportTraceServiceRequest of these spans in the OTLP/JSON encoding: ids in hex (not protobuf
    JSON's base64), enums as integers, 64-bit integers as strings."""
    from google.protobuf import json_format
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    encoded = json_format.MessageToDict(encode_spans(spans), use_integers_for_enums=True)
    converted: dict[str, Any] = _ids(encoded, lambda value: base64.b64decode(value).hex())
    return converted


def to_json_text(spans: Sequence[ReadableSpan]) -> str:
    return json.dumps(to_json(spans), indent=2, ensure_ascii=False) + "\n"


def _ids(value: Any, convert: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: convert(item) if key in ID_KEYS and isinstance(item, str) and item else _ids(item, convert)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_ids(item, convert) for item in value]
    return value


# -- OTLP/HTTP --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Collector:
    url: str  # the full traces URL, …/v1/traces
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 10.0
    gzip: bool = False

    @classmethod
    def resolve(
        cls, endpoint: str | None = None, headers: Mapping[str, str] | None = None, env: Mapping[str, str] | None = None
    ) -> Collector:
        """As the SDK's exporter does: the endpoint given (…/v1/traces added unless it is there), else
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces, else
        localhost:4318. Headers from OTEL_EXPORTER_OTLP_(TRACES_)HEADERS, the ones given on top."""
        env = os.environ if env is None else env
        return cls(
            url=_traces_url(endpoint, env),
            headers={**_env_headers(env), **{name.lower(): value for name, value in (headers or {}).items()}},
            timeout=_env_timeout(env),
            gzip=_setting(env, "COMPRESSION").lower() == "gzip",
        )

    def send(self, spans: Sequence[ReadableSpan]) -> None:
        """POST the spans as protobuf (what every OTLP/HTTP receiver accepts; Phoenix takes nothing else)."""
        from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

        body = encode_spans(spans).SerializeToString()
        headers = {**self.headers, "content-type": "application/x-protobuf"}
        if self.gzip:
            body, headers["content-encoding"] = gzip.compress(body), "gzip"
        request = urllib.request.Request(self.url, data=body, method="POST", headers=headers)  # noqa: S310 - http(s) only, checked
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                _check_partial_success(self.url, response.read())
        except urllib.error.HTTPError as err:
            answer = " ".join(err.read()[:300].decode(errors="replace").split())
            raise OtlpError(
                f"OTLP export to {self.url} failed: HTTP {err.code} {err.reason}" + (f": {answer}" if answer else "")
            ) from None
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise OtlpError(f"OTLP export to {self.url} failed: {reason}") from None


def _traces_url(endpoint: str | None, env: Mapping[str, str]) -> str:
    if endpoint:
        url = endpoint.rstrip("/")
        url = url if url.endswith(TRACES_PATH) else url + TRACES_PATH
    elif env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        url = env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
    else:
        url = (env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/") + TRACES_PATH
    if not url.startswith(("http://", "https://")):
        raise OtlpError(f"OTLP endpoint {url!r} is not an http:// or https:// URL")
    return url


def _setting(env: Mapping[str, str], name: str) -> str:
    return env.get(f"OTEL_EXPORTER_OTLP_TRACES_{name}") or env.get(f"OTEL_EXPORTER_OTLP_{name}") or ""


def _env_headers(env: Mapping[str, str]) -> dict[str, str]:
    from opentelemetry.util.re import parse_env_headers

    return dict(parse_env_headers(_setting(env, "HEADERS"), liberal=True))


def _env_timeout(env: Mapping[str, str]) -> float:
    raw = _setting(env, "TIMEOUT")
    try:
        return float(raw) if raw else 10.0
    except ValueError:
        raise OtlpError(f"OTEL_EXPORTER_OTLP_TIMEOUT must be a number of seconds, not {raw!r}") from None


def _check_partial_success(url: str, answer: bytes) -> None:
    """A 200 may still say that the collector dropped spans."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

    try:
        parsed = ExportTraceServiceResponse.FromString(answer)
    except Exception:  # not protobuf (some collectors answer JSON or nothing): nothing more to learn
        return
    rejected = parsed.partial_success.rejected_spans
    if rejected:
        message = parsed.partial_success.error_message or "no reason given"
        raise OtlpError(f"OTLP export to {url}: the collector rejected {rejected} spans: {message}")
