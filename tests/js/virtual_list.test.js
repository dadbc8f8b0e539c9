import assert from "node:assert/strict";
import { test } from "node:test";

import { scrollTopFor, visibleRange } from "../../js/virtual_list.js";

test("only the rows in view plus the overscan are rendered", () => {
  assert.deepEqual(visibleRange({ scrollTop: 0, viewportHeight: 280, rowHeight: 28, count: 10000, overscan: 8 }), { start: 0, end: 19 });
  const middle = visibleRange({ scrollTop: 28 * 5000, viewportHeight: 280, rowHeight: 28, count: 10000, overscan: 8 });
  assert.deepEqual(middle, { start: 4992, end: 5019 });
  assert.ok(middle.end - middle.start < 40, "a 10,000-row list keeps a few dozen rows");
});

test("the range is clamped at both ends and empty lists render nothing", () => {
  assert.deepEqual(visibleRange({ scrollTop: 1e9, viewportHeight: 280, rowHeight: 28, count: 100, overscan: 8 }), { start: 91, end: 100 });
  assert.deepEqual(visibleRange({ scrollTop: -50, viewportHeight: 280, rowHeight: 28, count: 3 }), { start: 0, end: 3 });
  assert.deepEqual(visibleRange({ scrollTop: 0, viewportHeight: 280, rowHeight: 28, count: 0 }), { start: 0, end: 0 });
});

test("scrolling to a row moves only as far as needed", () => {
  const view = { scrollTop: 280, viewportHeight: 280, rowHeight: 28 };
  assert.equal(scrollTopFor({ ...view, index: 12 }), 280); // already visible
  assert.equal(scrollTopFor({ ...view, index: 2 }), 56); // above: align to top
  assert.equal(scrollTopFor({ ...view, index: 30 }), 30 * 28 + 28 - 280); // below: align to bottom
});
