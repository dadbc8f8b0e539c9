import assert from "node:assert/strict";
import { test } from "node:test";

import { clampStep, cumulative, kindClass, stepTitle, stepsFromColumns, trajectoryRuns } from "../../js/steps.js";

const columns = {
  step: [0, 1, 2, 3],
  kind: ["llm_call", "tool_call", "llm_call", "llm_call"],
  label: ["llm:gpt-4o", "tool:search", "llm:gpt-4o", "llm:mystery"],
  model: ["gpt-4o", null, "gpt-4o", "mystery"],
  name: [null, "search", null, null],
  input_tokens: [10, 0, 20, 5],
  output_tokens: [5, 0, 7, 1],
  cost_usd: [0.001, null, 0.002, null],
  error: [false, true, false, false],
};

test("columns become one object per step", () => {
  const steps = stepsFromColumns(columns);
  assert.equal(steps.length, 4);
  assert.deepEqual(steps[1], { step: 1, kind: "tool_call", label: "tool:search", model: null, name: "search", input_tokens: 0, output_tokens: 0, cost_usd: null, error: true });
  assert.deepEqual(stepsFromColumns({}), []);
});

test("cumulative cost skips tools and becomes unknown at the first unpriced LLM call", () => {
  const { tokens, cost } = cumulative(stepsFromColumns(columns));
  assert.deepEqual(tokens, [15, 15, 42, 48]);
  assert.equal(cost[0], 0.001);
  assert.equal(cost[1], 0.001);
  assert.ok(Math.abs(cost[2] - 0.003) < 1e-12);
  assert.equal(cost[3], null);
});

test("the trajectory collapses repeats and elides the middle of long runs", () => {
  assert.deepEqual(trajectoryRuns(["a", "b", "b", "b", "a"]).runs, [
    { label: "a", count: 1 },
    { label: "b", count: 3 },
    { label: "a", count: 1 },
  ]);
  const long = Array.from({ length: 100 }, (_, i) => (i % 2 ? "llm" : "tool"));
  const { runs, hidden, hiddenAt } = trajectoryRuns(long, 10);
  assert.equal(runs.length, 10);
  assert.equal(hiddenAt, 9);
  assert.equal(hidden, 100 - 10);
  assert.equal(runs[9].label, "llm");
});

test("kinds, titles and step clamping", () => {
  const steps = stepsFromColumns(columns);
  assert.equal(kindClass(steps[0]), "tnb-kind-llm");
  assert.equal(kindClass(steps[1]), "tnb-kind-error"); // a tool that raised
  assert.equal(stepTitle(steps[0]), "gpt-4o");
  assert.equal(stepTitle(steps[1]), "search");
  assert.equal(clampStep(-3, 10), 0);
  assert.equal(clampStep(42, 10), 9);
  assert.equal(clampStep(4.7, 10), 4);
  assert.equal(clampStep(Number.NaN, 10), 0);
  assert.equal(clampStep(3, 0), 0);
});
