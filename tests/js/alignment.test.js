import assert from "node:assert/strict";
import { test } from "node:test";

import { alignmentRows, countByStatus, describe, firstChange, splitSegments } from "../../js/alignment.js";

// As DiffWidget sends diff_traces' alignment: an extra tool call inserted, a changed model after it.
const columns = {
  status: ["same", "added", "changed", "removed"],
  old_step: [0, null, 1, 2],
  new_step: [0, 1, 2, null],
  old_label: ["llm:gpt-4o", null, "llm:gpt-4o", "tool:mail"],
  new_label: ["llm:gpt-4o", "tool:search", "llm:gpt-4o-mini", null],
  changes: [[], [], ["model", "prompt"], []],
};

test("each aligned pair becomes a row with both sides, a marker and a note", () => {
  const rows = alignmentRows(columns);
  assert.equal(rows.length, 4);
  assert.deepEqual(rows[0].left, { step: 0, label: "llm:gpt-4o" });
  assert.equal(rows[1].left, null);
  assert.deepEqual(rows[1].right, { step: 1, label: "tool:search" });
  assert.equal(rows[3].right, null);
  assert.deepEqual(rows.map((row) => row.marker), ["=", "+", "≠", "−"]);
  assert.deepEqual(rows.map((row) => row.className), ["tnb-diff-same", "tnb-diff-added", "tnb-diff-changed", "tnb-diff-removed"]);
  assert.equal(rows[2].note, "model, prompt changed");
});

test("notes, the first change and counts", () => {
  assert.equal(describe("added", []), "only in new");
  assert.equal(describe("removed", []), "only in old");
  assert.equal(describe("same", []), "");
  const rows = alignmentRows(columns);
  assert.equal(firstChange(rows), 1);
  assert.equal(firstChange(rows.slice(0, 1)), -1);
  assert.deepEqual(countByStatus(rows), { same: 1, changed: 1, added: 1, removed: 1 });
});

test("word-diff segments split into an old and a new side", () => {
  const segments = [["equal", "the "], ["delete", "cat"], ["insert", "dog"], ["equal", " sat"]];
  assert.deepEqual(splitSegments(segments), {
    old: [["equal", "the "], ["delete", "cat"], ["equal", " sat"]],
    new: [["equal", "the "], ["insert", "dog"], ["equal", " sat"]],
  });
});
