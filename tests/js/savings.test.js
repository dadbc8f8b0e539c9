import assert from "node:assert/strict";
import { test } from "node:test";

import { savingsText } from "../../js/format.js";

test("the savings line names replayed and live steps and what replay saved, as recorded", () => {
  const savings = { replayed_steps: 2, live_steps: 1, tokens: 1234, cost_usd: 0.000056, duration_ms: 1530 };
  assert.equal(savingsText(savings), "2 steps replayed from the cassette, 1 live — replay saved 1,234 tokens · $0.0000560 · 1.53 s");
});

test("an unknown cost stays unknown", () => {
  const savings = { replayed_steps: 1, live_steps: 0, tokens: 1, cost_usd: null, duration_ms: 12 };
  assert.equal(savingsText(savings), "1 step replayed from the cassette, 0 live — replay saved 1 token · – · 12 ms");
});
