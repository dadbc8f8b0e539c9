"""Cost: priced at record time and stored, a dated packaged table, overrides, NaN and one warning when unknown."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from clients import make_client
from fakellm import FakeLLMServer
from scenarios import CLAUDE, GPT, user

import traceops_nb
from traceops_nb import Recorder, load_cassette, pricing
from traceops_nb.trace import Event


@pytest.fixture(autouse=True)
def _packaged_prices() -> Iterator[None]:
    pricing.reset_prices()
    yield
    pricing.reset_prices()


def llm_event(model: str, **tokens: int) -> Event:
    return Event(step=0, kind="llm_call", provider="openai", model=model, has_usage=True, **tokens)


def test_cost_is_computed_when_recorded_and_stored(server: FakeLLMServer, cassette_path: Path) -> None:
    with Recorder(cassette_path, mode="rewrite") as recorder:
        make_client("openai", server).chat.completions.create(model="gpt-5.4-mini", messages=user("one two three"))
        claude = make_client("anthropic", server)
        with claude.messages.stream(model="claude-sonnet-5-5", max_tokens=32, messages=user("four five")) as stream:
            stream.get_final_message()
    gpt, sonnet = recorder.trace.events
    assert gpt.cost_usd == pytest.approx((gpt.input_tokens * 0.75 + gpt.output_tokens * 4.50) / 1e6)
    assert sonnet.stream and sonnet.cost_usd == pytest.approx(
        (sonnet.input_tokens * 2 + sonnet.output_tokens * 10) / 1e6
    )
    stored = [entry["cost_usd"] for entry in yaml.safe_load(cassette_path.read_text())["interactions"]]
    assert stored == [gpt.cost_usd, sonnet.cost_usd]
    assert recorder.trace.total_cost_usd == pytest.approx(gpt.cost_usd + sonnet.cost_usd)


def test_a_price_change_moves_no_recorded_cost_until_recompute(server: FakeLLMServer, cassette_path: Path) -> None:
    with Recorder(cassette_path, mode="rewrite"):
        make_client("openai", server).chat.completions.create(model=GPT, messages=user("hello"))
    recorded = load_cassette(cassette_path)
    before = recorded.total_cost_usd
    pricing.register_model(GPT, input=1000.0, output=1000.0)
    assert load_cassette(cassette_path).total_cost_usd == before
    repriced = pricing.recompute(recorded)
    assert repriced.total_cost_usd == pytest.approx(recorded.total_tokens * 1000.0 / 1e6)
    assert recorded.total_cost_usd == before  # recompute returns a new trace


def test_an_unknown_model_costs_nan_and_warns_once(server: FakeLLMServer, cassette_path: Path) -> None:
    client = make_client("openai", server)
    with Recorder(cassette_path, mode="rewrite") as recorder:
        with pytest.warns(UserWarning, match=r"no price for openai model 'my-finetune-1'") as warned:
            client.chat.completions.create(model="my-finetune-1", messages=user("a"))
        client.chat.completions.create(model="my-finetune-1", messages=user("b"))  # no second warning
    assert len(warned) == 1
    assert "register_model('my-finetune-1'" in str(warned[0].message) and "load_prices" in str(warned[0].message)
    assert [e.cost_usd for e in recorder.trace.events] == [None, None]
    assert math.isnan(recorder.trace.total_cost_usd)
    assert math.isnan(recorder.trace.to_dataframe()["cost_usd"][0])


def test_registered_and_loaded_prices_are_used(tmp_path: Path) -> None:
    pricing.register_model("house-model", input=2.0, output=4.0, cached_input=0.5)
    assert pricing.cost_of(llm_event("house-model", input_tokens=1000, cached_tokens=400, output_tokens=100)) == (
        pytest.approx((600 * 2.0 + 400 * 0.5 + 100 * 4.0) / 1e6)
    )
    prices = tmp_path / "prices.yaml"
    prices.write_text("models:\n  house-model:\n    input: 1.0\n    output: 1.0\n    source: our contract\n")
    assert pricing.load_prices(prices) == ["house-model"]
    assert pricing.price_of("house-model").source == "our contract"  # type: ignore[union-attr]
    assert pricing.cost_of(llm_event("house-model", input_tokens=500, output_tokens=500)) == pytest.approx(1e-3)


def test_the_price_file_can_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prices = tmp_path / "prices.yaml"
    prices.write_text("models:\n  env-model: {input: 3, output: 6}\n")
    monkeypatch.setenv("TRACEOPS_PRICES", str(prices))
    pricing.reset_prices()
    assert pricing.cost_of(llm_event("env-model", input_tokens=10**6)) == 3.0


def test_dated_snapshots_long_context_and_cache_writes() -> None:
    assert pricing.price_of("gpt-4o-mini-2024-07-18") == pricing.price_of("gpt-4o-mini")
    assert pricing.price_of("claude-haiku-4-5-20251001") == pricing.price_of("claude-haiku-4-5")
    short = pricing.cost_of(llm_event("gpt-6.1-sol", input_tokens=272_000))
    long = pricing.cost_of(llm_event("gpt-6.1-sol", input_tokens=272_001))
    assert short == pytest.approx(272_000 * 2.0 / 1e6) and long == pytest.approx(272_001 * 4.0 / 1e6)
    writes = Event(
        step=0, kind="llm_call", model=CLAUDE, has_usage=True, input_tokens=3000, cache_write_tokens=3000,
        cache_write_1h_tokens=1000,
    )  # fmt: skip
    assert pricing.cost_of(writes) == pytest.approx((2000 * 3.75 + 1000 * 6.0) / 1e6)


def test_failed_free_and_usage_less_calls() -> None:
    assert pricing.cost_of(Event(step=0, kind="error", model="nowhere")) == 0.0
    assert pricing.cost_of(Event(step=0, kind="llm_call", operation="messages.count_tokens", model="x")) == 0.0
    assert pricing.cost_of(Event(step=0, kind="llm_call", model=GPT, has_usage=False)) is None


def test_an_openai_stream_without_usage_has_no_cost(server: FakeLLMServer, cassette_path: Path) -> None:
    client = make_client("openai", server)
    with Recorder(cassette_path, mode="rewrite") as recorder:
        list(client.chat.completions.create(model=GPT, messages=user("no usage"), stream=True))
        list(
            client.chat.completions.create(
                model=GPT, messages=user("usage"), stream=True, stream_options={"include_usage": True}
            )
        )
    without, with_usage = recorder.trace.events
    assert without.cost_usd is None and not without.has_usage
    assert with_usage.cost_usd is not None and with_usage.cost_usd > 0


def test_the_packaged_table_is_dated_sourced_and_covers_the_notebook_models() -> None:
    table = pricing.packaged_prices()
    notebook_models = ("gpt-5.4-mini", "claude-sonnet-5-5", "gpt-4o-mini", "claude-sonnet-4-6", "gpt-6.2-sol")
    for name in (*notebook_models, "gemini-2.5-flash"):
        assert name in table, name
    for name, price in table.items():
        assert price.source.startswith("https://"), name
        assert price.date[:4] == "2026", name
        assert price.provider in ("openai", "anthropic", "google"), name
    sonnet = table["claude-sonnet-5-5"].rates
    assert (sonnet.input, sonnet.output, sonnet.cached_input) == (2.0, 10.0, 0.10)
    flash = table["gemini-2.5-flash"].rates
    assert (flash.input, flash.output, flash.cached_input) == (0.30, 2.50, 0.03)
    assert table["gemini-2.5-pro"].long_context == (200000, pricing.Rates(2.50, 15.00, 0.25))


def test_pricing_is_reachable_from_the_package() -> None:
    assert traceops_nb.pricing.recompute is pricing.recompute
