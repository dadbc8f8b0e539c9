// DiffWidget: two trajectories side by side, aligned step to step as diff_traces aligned them,
// changed steps highlighted, a word-level diff of changed prompts and responses, summary badges.

import { alignmentRows, countByStatus, firstChange, splitSegments } from "./alignment.js";
import { createDetailChannel } from "./channel.js";
import { renderDetail } from "./detail.js";
import { append, el, section } from "./dom.js";
import { renderColumnsHead } from "./rows.js";
import { createSelectableList } from "./selectable.js";
import { clampStep } from "./steps.js";

function render({ model, el: root }) {
  const rows = alignmentRows(model.get("rows"));
  const [oldTitle, newTitle] = model.get("titles");
  const channel = createDetailChannel(model);
  root.classList.add("tnb", "tnb-diff");

  const selection = createSelectableList(model, {
    count: rows.length,
    renderRow: (index, selected) => renderAlignedRow(rows[index], selected),
    label: "aligned steps: arrow keys, Home and End move, n next change, Enter opens, Escape closes",
    target: (key, current) => {
      if (key === "ArrowDown" || key === "ArrowUp") return clampStep(current + (key === "ArrowDown" ? 1 : -1), rows.length);
      if ((key === "Home" || key === "End") && rows.length) return key === "Home" ? 0 : rows.length - 1;
      if (key === "Enter" && current < 0 && rows.length) return Math.max(0, firstChange(rows));
      if (key === "n") return nextChange(rows, current);
      if (key === "Escape") return -1;
      return undefined;
    },
    loadDetail: async (index) => renderRowDetail(rows[index], await channel.get(`row:${index}`, { row: index })),
  });

  const counts = countByStatus(rows);
  const header = append(el("div", "tnb-header"), el("strong", "tnb-title", `${oldTitle} → ${newTitle}`));
  const badges = el("div", "tnb-chips tnb-badges");
  for (const badge of model.get("badges")) append(badges, el("span", `tnb-diff-badge tnb-diff-badge-${badge.kind}`, badge.text));
  append(header, badges);
  const legend = el("div", "tnb-muted tnb-legend", `${counts.changed} changed · ${counts.added} added · ${counts.removed} removed · ${counts.same} same — n jumps to the next change`);
  const head = renderColumnsHead([["tnb-c-side", `old: ${oldTitle}`], ["tnb-c-marker", ""], ["tnb-c-side", `new: ${newTitle}`], ["tnb-c-note", "what changed"]]);
  append(root, header, legend, head, selection.list, selection.pane);
  selection.start();
  return () => {
    selection.destroy();
    channel.destroy();
  };
}

function nextChange(rows, current) {
  for (let i = 1; i <= rows.length; i++) {
    const index = (current + i) % rows.length;
    if (rows[index].status !== "same") return index;
  }
  return current;
}

function renderAlignedRow(row, selected) {
  const node = el("div", `tnb-row tnb-diff-row ${row.className}${selected ? " tnb-selected" : ""}`);
  node.setAttribute("role", "option");
  node.setAttribute("aria-selected", selected ? "true" : "false");
  append(node, side(row.left), el("span", "tnb-c-marker", row.marker), side(row.right), el("span", "tnb-c-note", row.note));
  return node;
}

function side(cell) {
  return cell ? el("span", "tnb-c-side", `${cell.step} · ${cell.label}`) : el("span", "tnb-c-side tnb-muted", "—");
}

function renderRowDetail(row, detail) {
  const root = el("div", "tnb-diff-detail");
  const where = [row.left && `old step ${row.left.step}`, row.right && `new step ${row.right.step}`].filter(Boolean).join(" → ");
  append(root, el("strong", "tnb-detail-title", `${where} · ${row.note || "unchanged"}`));
  for (const textDiff of detail.text_diffs) append(root, section(`${textDiff.title} (word diff)`, renderWordDiff(textDiff.segments)));
  if (detail.summary.length) append(root, section("Changes", el("pre", "tnb-pre", detail.summary.join("\n"))));
  const steps = el("div", "tnb-diff-sides");
  if (detail.old) append(steps, append(el("div", "tnb-diff-side"), el("div", "tnb-muted", "old"), renderDetail(detail.old)));
  if (detail.new) append(steps, append(el("div", "tnb-diff-side"), el("div", "tnb-muted", "new"), renderDetail(detail.new)));
  const full = append(el("details", "tnb-diff-full"), el("summary", "tnb-muted", "the step(s) in full"), steps);
  full.open = !detail.text_diffs.length; // an added or removed step has nothing else to show
  return append(root, full);
}

export function renderWordDiff(segments) {
  const sides = splitSegments(segments);
  const box = el("div", "tnb-worddiff");
  for (const [name, parts] of [["old", sides.old], ["new", sides.new]]) {
    const column = el("div", `tnb-worddiff-side tnb-worddiff-${name}`);
    for (const [op, text] of parts) append(column, op === "equal" ? document.createTextNode(text) : el(op === "insert" ? "ins" : "del", `tnb-${op}`, text));
    box.append(column);
  }
  return box;
}

export default { render };
