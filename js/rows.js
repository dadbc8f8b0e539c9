// The step row shared by the trajectory and the debugger's step list, and the widgets' header.

import { append, chip, el } from "./dom.js";
import { barPercent, formatCost, formatDuration, formatTokens, pluralize, savingsText } from "./format.js";
import { kindClass, kindLabel, stepTitle, trajectoryRuns } from "./steps.js";

export const ROW_HEIGHT = 28;

export function renderHeader(title, totals) {
  const header = el("div", "tnb-header");
  append(header, el("strong", "tnb-title", title));
  const chips = el("div", "tnb-chips");
  append(chips, chip("steps", formatTokens(totals.steps)), chip("LLM calls", formatTokens(totals.llm_calls)));
  append(chips, chip("tool calls", formatTokens(totals.tool_calls)), chip("tokens", tokensText(totals)));
  const cost = totals.cost_usd === null ? "unknown" : formatCost(totals.cost_usd);
  append(chips, chip("cost", totals.unpriced ? `${cost} (cost of ${pluralize(totals.unpriced, "call")} unknown)` : cost));
  append(chips, chip("time", formatDuration(totals.duration_ms)));
  append(header, chips);
  // Why a total is unknown and how to fix it: the same notes as the text summary.
  for (const note of totals.notes || []) append(header, el("div", "tnb-note", note));
  return header;
}

function tokensText(totals) {
  const without = totals.without_usage || 0;
  if (!without) return formatTokens(totals.tokens);
  if (without === totals.llm_calls) return "unknown";
  return `${formatTokens(totals.tokens)} (${pluralize(without, "call")} without usage)`;
}

export function renderTrajectoryLine(steps) {
  const line = el("div", "tnb-trajline");
  line.setAttribute("aria-label", "trajectory");
  const { runs, hidden, hiddenAt } = trajectoryRuns(steps.map((step) => step.label));
  const kinds = new Map(steps.map((step) => [step.label, kindClass(step)]));
  runs.forEach((run, index) => {
    if (index > 0) append(line, el("span", "tnb-arrow", "→"));
    if (hidden && index === hiddenAt) append(line, el("span", "tnb-muted", `… ${formatTokens(hidden)} more steps …`), el("span", "tnb-arrow", "→"));
    const label = run.count > 1 ? `${run.label} ×${run.count}` : run.label;
    append(line, el("span", `tnb-trajstep ${kinds.get(run.label)}`, label));
  });
  if (!runs.length) append(line, el("span", "tnb-muted", "(no steps)"));
  return line;
}

export function renderColumnsHead(columns) {
  const head = el("div", "tnb-row tnb-row-head");
  for (const [className, text] of columns) append(head, el("span", className, text));
  return head;
}

export const STEP_COLUMNS = [
  ["tnb-c-step", "#"],
  ["tnb-c-kind", "kind"],
  ["tnb-c-name", "step"],
  ["tnb-c-num", "in"],
  ["tnb-c-num", "out"],
  ["tnb-c-num", "cost"],
  ["tnb-c-num", "time"],
  ["tnb-c-bars", "time · cost"],
];

// scales: { duration, cost } maxima, for bars proportional to time and cost. marks: show whether the
// step was replayed from the cassette or went live (a new_episodes run).
export function renderStepRow(step, scales, selected, marks = false) {
  const row = el("div", `tnb-row tnb-step-row ${kindClass(step)}${selected ? " tnb-selected" : ""}`);
  row.setAttribute("role", "option");
  row.setAttribute("aria-selected", selected ? "true" : "false");
  append(row, el("span", "tnb-c-step", step.step));
  append(row, el("span", `tnb-c-kind tnb-badge ${kindClass(step)}`, kindLabel(step)));
  const name = el("span", "tnb-c-name", stepTitle(step));
  name.title = step.label;
  if (step.error) append(name, el("span", "tnb-error-flag", " ⚠ error"));
  if (marks) append(name, replayMark(step.replayed));
  append(row, name);
  const llm = step.kind === "llm_call";
  append(row, el("span", "tnb-c-num", llm ? stepTokens(step.input_tokens) : ""));
  append(row, el("span", "tnb-c-num", llm ? stepTokens(step.output_tokens) : ""));
  append(row, el("span", "tnb-c-num", llm ? formatCost(step.cost_usd) : ""));
  append(row, el("span", "tnb-c-num", formatDuration(step.duration_ms)));
  const bars = el("span", "tnb-c-bars");
  append(bars, bar("tnb-bar-time", barPercent(step.duration_ms, scales.duration), `time ${formatDuration(step.duration_ms)}`));
  append(bars, bar("tnb-bar-cost", barPercent(step.cost_usd, scales.cost), `cost ${formatCost(step.cost_usd)}`));
  return append(row, bars);
}

// null: the response reported no usage, so the count is unknown (never 0).
function stepTokens(count) {
  return count === null ? "?" : formatTokens(count);
}

function replayMark(replayed) {
  const mark = el("span", `tnb-mark ${replayed ? "tnb-mark-replayed" : "tnb-mark-live"}`, replayed ? "replayed" : "live");
  mark.title = replayed ? "served from the cassette" : "called live and recorded";
  return mark;
}

export function renderSavings(savings) {
  return el("div", "tnb-savings", savingsText(savings));
}

function bar(className, percent, title) {
  const track = el("span", "tnb-bar-track");
  track.title = title;
  const fill = el("span", `tnb-bar ${className}`);
  fill.style.width = `${percent}%`;
  return append(track, fill);
}
