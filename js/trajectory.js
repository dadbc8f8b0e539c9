// TrajectoryWidget: the run as a timeline of steps, with totals, the trajectory line and bars
// proportional to time and cost. Clicking a step (or Enter / arrows on the focused list) opens it.

import { createDetailChannel } from "./channel.js";
import { renderDetail } from "./detail.js";
import { append } from "./dom.js";
import { STEP_COLUMNS, renderColumnsHead, renderHeader, renderSavings, renderStepRow, renderTrajectoryLine } from "./rows.js";
import { createSelectableList } from "./selectable.js";
import { clampStep, cumulative, maxOf, stepsFromColumns } from "./steps.js";

function render({ model, el: root }) {
  const steps = stepsFromColumns(model.get("steps"));
  const sums = cumulative(steps);
  const scales = { duration: maxOf(steps, "duration_ms"), cost: maxOf(steps, "cost_usd") };
  const channel = createDetailChannel(model);
  const savings = model.get("savings") || {};
  const marks = "replayed_steps" in savings; // a new_episodes run: mark replayed and live steps
  root.classList.add("tnb", "tnb-trajectory");

  const selection = createSelectableList(model, {
    count: steps.length,
    renderRow: (index, selected) => renderStepRow(steps[index], scales, selected, marks),
    label: "steps: arrow keys move, Enter opens, Escape closes",
    target: (key, current) => {
      const moves = { ArrowDown: current + 1, ArrowUp: current - 1, Home: 0, End: steps.length - 1 };
      if (Object.hasOwn(moves, key)) return clampStep(current < 0 ? 0 : moves[key], steps.length);
      if (key === "Enter" && current < 0 && steps.length) return 0;
      if (key === "Escape") return -1;
      return undefined;
    },
    loading: (index) => `Loading step ${index}…`,
    loadDetail: async (index) => {
      const detail = await channel.get(`step:${index}`, { step: index });
      return renderDetail(detail, { tokens: sums.tokens[index], cost: sums.cost[index] });
    },
  });

  append(root, renderHeader(model.get("title"), model.get("totals")));
  if (marks) append(root, renderSavings(savings));
  append(root, renderTrajectoryLine(steps));
  append(root, renderColumnsHead(STEP_COLUMNS), selection.list, selection.pane);
  selection.start();
  return () => {
    selection.destroy();
    channel.destroy();
  };
}

export default { render };
