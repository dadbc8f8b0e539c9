// Pure helpers over the per-step summaries the widgets receive. No DOM.

// The summaries arrive as columns (one list per field), the compact form for long traces.
export function stepsFromColumns(columns) {
  const names = Object.keys(columns || {});
  const count = names.length ? columns[names[0]].length : 0;
  const steps = new Array(count);
  for (let i = 0; i < count; i++) {
    const step = {};
    for (const name of names) step[name] = columns[name][i];
    steps[i] = step;
  }
  return steps;
}

// Tokens and cost up to and including each step. Cost becomes unknown (null) from the first LLM
// call with no known cost on, as in Python: an unknown is never counted as 0.
export function cumulative(steps) {
  const tokens = new Array(steps.length);
  const cost = new Array(steps.length);
  let tokenSum = 0;
  let costSum = 0;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    tokenSum += (step.input_tokens || 0) + (step.output_tokens || 0);
    if (step.kind === "llm_call") costSum = step.cost_usd === null || costSum === null ? null : costSum + step.cost_usd;
    tokens[i] = tokenSum;
    cost[i] = costSum;
  }
  return { tokens, cost };
}

export function maxOf(steps, field) {
  let max = 0;
  for (const step of steps) if (step[field] > max) max = step[field];
  return max;
}

// The trajectory as runs of equal labels: llm:gpt-4o → tool:search ×3 → llm:gpt-4o.
export function trajectoryRuns(labels, limit = 24) {
  const runs = [];
  for (const label of labels) {
    const last = runs[runs.length - 1];
    if (last && last.label === label) last.count += 1;
    else runs.push({ label, count: 1 });
  }
  if (runs.length <= limit) return { runs, hidden: 0 };
  const hidden = runs.slice(limit - 1, -1).reduce((sum, run) => sum + run.count, 0);
  return { runs: [...runs.slice(0, limit - 1), runs[runs.length - 1]], hidden, hiddenAt: limit - 1 };
}

// The CSS class of a step's kind: llm, tool, decision or error (a failed call, or a tool that raised).
export function kindClass(step) {
  if (step.kind === "error" || step.error) return "tnb-kind-error";
  if (step.kind === "llm_call") return "tnb-kind-llm";
  if (step.kind === "tool_call") return "tnb-kind-tool";
  return "tnb-kind-decision";
}

export function kindLabel(step) {
  return { llm_call: "LLM", tool_call: "tool", decision: "decision", error: "error", api_call: "API" }[step.kind] || step.kind;
}

// What a row names: the model for an LLM call, the tool or decision name otherwise.
export function stepTitle(step) {
  if (step.kind === "llm_call" || step.kind === "error") return step.model || step.provider || "LLM call";
  return step.name || step.label;
}

export function clampStep(step, count) {
  if (count <= 0) return 0;
  const whole = Number.isFinite(step) ? Math.trunc(step) : 0;
  return Math.min(Math.max(whole, 0), count - 1);
}
