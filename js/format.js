// Pure formatting of numbers and values for display. No DOM.

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function formatTokens(count) {
  return count === null || count === undefined ? "–" : integer.format(count);
}

// Costs are tiny per call: three significant digits below a dollar, cents above.
export function formatCost(usd) {
  if (usd === null || usd === undefined || Number.isNaN(usd)) return "–";
  if (usd === 0) return "$0";
  const digits = Math.abs(usd) >= 1 ? 2 : 2 - Math.floor(Math.log10(Math.abs(usd)));
  const text = Math.abs(usd).toFixed(digits);
  return usd < 0 ? `−$${text}` : `$${text}`;
}

export function formatDuration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60000);
  return `${minutes} min ${Math.round((ms - minutes * 60000) / 1000)} s`;
}

export function formatPercent(ratio) {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return "–";
  const sign = ratio > 0 ? "+" : ratio < 0 ? "−" : "±";
  return `${sign}${Math.abs(ratio * 100).toFixed(1)} %`;
}

// Tool arguments and outputs: JSON (or a string holding JSON) pretty-printed; other text as it is.
export function prettyJson(value) {
  if (typeof value === "string") {
    const trimmed = value.trim();
    if (!/^[[{]/.test(trimmed)) return value;
    try {
      return JSON.stringify(JSON.parse(trimmed), null, 2);
    } catch {
      return value;
    }
  }
  if (value === undefined) return "";
  return JSON.stringify(value, null, 2);
}

// A bar's width in percent of the largest value; never 0 for a non-zero value, so it stays visible.
export function barPercent(value, max) {
  if (!value || !max || value <= 0 || max <= 0) return 0;
  return Math.max(1, Math.min(100, (value / max) * 100));
}

export function pluralize(count, word) {
  return `${formatTokens(count)} ${word}${count === 1 ? "" : "s"}`;
}

// What the replayed steps of a new_episodes run saved, as recorded: tokens, cost and time.
export function savingsText(savings) {
  const saved = `${pluralize(savings.tokens, "token")} · ${formatCost(savings.cost_usd)} · ${formatDuration(savings.duration_ms)}`;
  return `${pluralize(savings.replayed_steps, "step")} replayed from the cassette, ${formatTokens(savings.live_steps)} live — replay saved ${saved}`;
}
