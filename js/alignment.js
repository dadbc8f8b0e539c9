// Pure: the aligned step pairs Python's diff_traces produced, turned into display rows. The alignment
// itself is never recomputed here.

const MARKERS = { same: "=", changed: "≠", added: "+", removed: "−" };

export function alignmentRows(columns) {
  const count = columns.status ? columns.status.length : 0;
  const rows = new Array(count);
  for (let i = 0; i < count; i++) {
    const status = columns.status[i];
    const changes = columns.changes[i] || [];
    rows[i] = {
      index: i,
      status,
      left: columns.old_step[i] === null ? null : { step: columns.old_step[i], label: columns.old_label[i] },
      right: columns.new_step[i] === null ? null : { step: columns.new_step[i], label: columns.new_label[i] },
      marker: MARKERS[status] || "?",
      className: `tnb-diff-${status}`,
      note: describe(status, changes),
    };
  }
  return rows;
}

export function describe(status, changes) {
  if (status === "added") return "only in new";
  if (status === "removed") return "only in old";
  if (status === "changed") return `${changes.join(", ")} changed`;
  return "";
}

export function firstChange(rows) {
  return rows.findIndex((row) => row.status !== "same");
}

export function countByStatus(rows) {
  const counts = { same: 0, changed: 0, added: 0, removed: 0 };
  for (const row of rows) counts[row.status] = (counts[row.status] || 0) + 1;
  return counts;
}

// Word-diff segments [op, text] grouped for a two-column view: the old side keeps equal and deleted
// text, the new side equal and inserted text.
export function splitSegments(segments) {
  const old = [];
  const next = [];
  for (const [op, text] of segments) {
    if (op !== "insert") old.push([op, text]);
    if (op !== "delete") next.push([op, text]);
  }
  return { old, new: next };
}
