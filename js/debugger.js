// DebuggerWidget: step through a trace. The current step is the synced `step` trait, so Python can
// read and set it. Keys when the widget has focus: ← / k previous, → / j next, Home first, End last,
// g jump (focuses the step box; Enter goes there).

import { createDetailChannel } from "./channel.js";
import { renderDetail } from "./detail.js";
import { append, button, el } from "./dom.js";
import { ROW_HEIGHT, renderHeader, renderStepRow } from "./rows.js";
import { clampStep, cumulative, maxOf, stepsFromColumns } from "./steps.js";
import { createVirtualList } from "./virtual_list.js";

export const KEYS = {
  ArrowLeft: "previous",
  k: "previous",
  ArrowUp: "previous",
  ArrowRight: "next",
  j: "next",
  ArrowDown: "next",
  Home: "first",
  End: "last",
  g: "jump",
};

function render({ model, el: root }) {
  const steps = stepsFromColumns(model.get("steps"));
  const count = steps.length;
  const sums = cumulative(steps);
  const scales = { duration: maxOf(steps, "duration_ms"), cost: maxOf(steps, "cost_usd") };
  const channel = createDetailChannel(model);
  root.classList.add("tnb", "tnb-debugger");
  root.tabIndex = 0;
  root.dataset.lmSuppressShortcuts = "true"; // Lumino (JupyterLab) leaves these keys to the widget
  root.setAttribute("aria-label", "step-through debugger: ← → or j k to step, Home / End, g to jump");

  const go = (index) => {
    model.set("step", clampStep(index, count));
    model.save_changes();
  };
  const jump = el("input", "tnb-jump");
  Object.assign(jump, { type: "number", min: "0", max: String(Math.max(0, count - 1)), title: "jump to step (Enter)" });
  jump.setAttribute("aria-label", "jump to step");
  jump.addEventListener("keydown", (event) => {
    if (event.key === "Enter") go(Number(jump.value));
    if (event.key === "Enter" || event.key === "Escape") {
      event.preventDefault();
      root.focus();
    }
    event.stopPropagation();
  });
  const position = el("span", "tnb-position");
  const toolbar = el("div", "tnb-toolbar");
  append(toolbar, button("⇤ first", "first step (Home)", () => go(0)), button("◀ prev", "previous step (← or k)", () => go(model.get("step") - 1)));
  append(toolbar, el("span", "tnb-muted", "step"), jump, position);
  append(toolbar, button("next ▶", "next step (→ or j)", () => go(model.get("step") + 1)), button("last ⇥", "last step (End)", () => go(count - 1)));
  append(toolbar, el("span", "tnb-hint tnb-muted", "keys: ← → / j k · Home End · g jump"));

  const list = createVirtualList({
    count,
    rowHeight: ROW_HEIGHT,
    maxRows: 16,
    className: "tnb-steps tnb-steps-compact",
    renderRow(index) {
      const row = renderStepRow(steps[index], scales, index === model.get("step"));
      row.addEventListener("click", () => go(index));
      return row;
    },
  });
  const pane = el("div", "tnb-detail-pane");
  pane.setAttribute("aria-live", "polite");

  async function show() {
    const index = model.get("step");
    jump.value = String(index);
    position.textContent = `of ${count ? count - 1 : 0}`;
    list.setActive(index);
    list.refresh();
    list.scrollToIndex(index);
    if (!count) return pane.replaceChildren(el("div", "tnb-muted", "(no steps)"));
    const detail = await channel.get(`step:${index}`, { step: index });
    if (model.get("step") !== index) return;
    pane.replaceChildren(renderDetail(detail, { tokens: sums.tokens[index], cost: sums.cost[index] }));
    if (index + 1 < count) channel.get(`step:${index + 1}`, { step: index + 1 }); // stepping on is instant
  }

  root.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const action = KEYS[event.key];
    if (!action) return;
    event.preventDefault();
    event.stopPropagation(); // JupyterLab's own shortcuts (j / k move between cells) stay out of it
    const current = model.get("step");
    if (action === "jump") return jump.select(); // focused, its text selected: typing replaces it
    go({ previous: current - 1, next: current + 1, first: 0, last: count - 1 }[action]);
  });
  model.on("change:step", show);

  append(root, renderHeader(model.get("title"), model.get("totals")), toolbar);
  append(root, append(el("div", "tnb-debug-body"), list.element, pane));
  show();
  return () => {
    model.off("change:step", show);
    channel.destroy();
    list.destroy();
  };
}

export default { render };
