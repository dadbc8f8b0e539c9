import assert from "node:assert/strict";
import { test } from "node:test";

import { barPercent, formatCost, formatDuration, formatPercent, formatTokens, prettyJson } from "../../js/format.js";

test("costs keep three significant digits below a dollar and never print 0 for unknown", () => {
  assert.equal(formatCost(0.000129), "$0.000129");
  assert.equal(formatCost(0.0234), "$0.0234");
  assert.equal(formatCost(0.5), "$0.500");
  assert.equal(formatCost(12.345), "$12.35");
  assert.equal(formatCost(0), "$0");
  assert.equal(formatCost(-0.0012), "−$0.00120");
  assert.equal(formatCost(null), "–");
  assert.equal(formatCost(Number.NaN), "–");
});

test("tokens get thousands separators; durations pick a unit", () => {
  assert.equal(formatTokens(1234567), "1,234,567");
  assert.equal(formatTokens(null), "–");
  assert.equal(formatDuration(812.4), "812 ms");
  assert.equal(formatDuration(1234), "1.23 s");
  assert.equal(formatDuration(12345), "12.3 s");
  assert.equal(formatDuration(125000), "2 min 5 s");
});

test("percent changes carry their sign", () => {
  assert.equal(formatPercent(0.125), "+12.5 %");
  assert.equal(formatPercent(-0.5), "−50.0 %");
  assert.equal(formatPercent(0), "±0.0 %");
  assert.equal(formatPercent(Number.POSITIVE_INFINITY), "–");
});

test("JSON, and strings holding JSON, are pretty-printed; other text is left alone", () => {
  assert.equal(prettyJson({ city: "Paris", days: [1, 2] }), '{\n  "city": "Paris",\n  "days": [\n    1,\n    2\n  ]\n}');
  assert.equal(prettyJson('{"q":"x"}'), '{\n  "q": "x"\n}');
  assert.equal(prettyJson("<script>alert(1)</script>"), "<script>alert(1)</script>");
  assert.equal(prettyJson("{not json"), "{not json");
  assert.equal(prettyJson(null), "null");
});

test("bars are proportional, and a non-zero value stays visible", () => {
  assert.equal(barPercent(50, 200), 25);
  assert.equal(barPercent(0.001, 1000), 1);
  assert.equal(barPercent(0, 10), 0);
  assert.equal(barPercent(null, 10), 0);
  assert.equal(barPercent(5, 0), 0);
});
