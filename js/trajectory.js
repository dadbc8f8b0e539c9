// TrajectoryWidget: the run as a timeline of steps, with totals, the trajectory line and bars
// proportional to time and cost. Clicking a step (or Enter / arrows on the focused list) opens it.

import { createDetailChannel } from "./channel.js";
import { renderDetail } from "./detail.js";
import { append, el } from "./dom.js";
import { ROW_HEIGHT, STEP_COLUMNS, renderColumnsHead, renderHeader, renderSavings, renderStepRow, renderTrajectoryLine } from "./rows.js";
import { clampStep, cumulative, maxOf, stepsFromColumns } from "./steps.js";
import { createVirtualList } from "./virtual_list.js";

function render({ model, el: root }) {
  const steps = stepsFromColumns(model.get("steps"));
  const sums = cumulative(steps);
  const scales = { duration: maxOf(steps, "duration_ms"), cost: maxOf(steps, "cost_usd") };
  const channel = createDetailChannel(model);
  const savings = model.get("savings") || {};
  const marks = "replayed_steps" in savings; // a new_episodes run: mark replayed and live steps
  root.classList.add("tnb", "tnb-trajectory");

  const list = createVirtualList({
    count: steps.length,
    rowHeight: ROW_HEIGHT,
    maxRows: 14,
    className: "tnb-steps",
    renderRow(index) {
      const row = renderStepRow(steps[index], scales, index === model.get("selected"), marks);
      row.addEventListener("click", () => select(index === model.get("selected") ? -1 : index));
      return row;
    },
  });
  list.element.tabIndex = 0;
  list.element.dataset.lmSuppressShortcuts = "true"; // Lumino (JupyterLab) leaves these keys to the list
  list.element.setAttribute("aria-label", "steps: arrow keys move, Enter opens, Escape closes");
  const pane = el("div", "tnb-detail-pane");
  pane.setAttribute("aria-live", "polite");

  function select(index) {
    model.set("selected", index);
    model.save_changes();
  }

  async function showSelected() {
    const index = model.get("selected");
    list.setActive(index);
    list.refresh();
    pane.replaceChildren();
    if (index < 0 || index >= steps.length) return;
    list.scrollToIndex(index);
    pane.append(el("div", "tnb-muted", `Loading step ${index}…`));
    const detail = await channel.get(`step:${index}`, { step: index });
    if (model.get("selected") !== index) return;
    pane.replaceChildren(renderDetail(detail, { tokens: sums.tokens[index], cost: sums.cost[index] }));
  }

  list.element.addEventListener("keydown", (event) => {
    const current = model.get("selected");
    const moves = { ArrowDown: current + 1, ArrowUp: current - 1, Home: 0, End: steps.length - 1 };
    if (event.key in moves) select(clampStep(current < 0 ? 0 : moves[event.key], steps.length));
    else if (event.key === "Enter" && current < 0 && steps.length) select(0);
    else if (event.key === "Escape") select(-1);
    else return;
    event.preventDefault();
  });
  model.on("change:selected", showSelected);

  append(root, renderHeader(model.get("title"), model.get("totals")));
  if (marks) append(root, renderSavings(savings));
  append(root, renderTrajectoryLine(steps));
  append(root, renderColumnsHead(STEP_COLUMNS), list.element, pane);
  if (model.get("selected") >= 0) showSelected();
  return () => {
    model.off("change:selected", showSelected);
    channel.destroy();
    list.destroy();
  };
}

export default { render };
