// One step in full: the input messages as a chat, the output, tool calls with pretty JSON arguments,
// a tool's input and output, tokens and cost of the step and so far. Every string is set as text.

import { append, chip, el, section } from "./dom.js";
import { formatCost, formatDuration, formatTokens, prettyJson } from "./format.js";

const ROLES = new Set(["system", "user", "assistant", "tool"]);

export function renderDetail(detail, sofar) {
  const root = el("div", "tnb-detail");
  root.dataset.step = String(detail.step);
  append(root, renderHead(detail));
  if (detail.kind === "llm_call" || detail.kind === "error") {
    append(root, section(`Input messages (${detail.messages.length})`, renderChat(detail.messages)));
    if (detail.kind === "llm_call") append(root, section("Output", renderOutput(detail)));
  } else {
    const titles = { decision: ["Reason", "Decision"], api_call: ["Request", "Response"] };
    const [inputTitle, outputTitle] = titles[detail.kind] || ["Tool input", "Tool output"];
    append(root, section(inputTitle, pre(detail.input)));
    if (!detail.error) append(root, section(outputTitle, pre(detail.output)));
  }
  if (detail.error) append(root, section("Error", el("pre", "tnb-pre tnb-error-text", detail.error)));
  append(root, renderCosts(detail, sofar));
  return root;
}

function renderHead(detail) {
  const head = el("div", "tnb-detail-head");
  append(head, el("strong", "tnb-detail-title", `Step ${detail.step} · ${detail.label}`));
  if (detail.provider) append(head, chip("provider", detail.provider));
  if (detail.operation) append(head, chip("call", detail.operation));
  if (detail.finish_reason) append(head, chip("finish", detail.finish_reason));
  if (detail.status && detail.status >= 400) append(head, chip("HTTP", detail.status, "tnb-chip-error"));
  if (detail.stream) append(head, chip("stream", "yes"));
  if (detail.inferred) append(head, chip("inferred", "from the conversation"));
  append(head, chip("time", formatDuration(detail.duration_ms)));
  return head;
}

export function renderChat(messages) {
  const chat = el("div", "tnb-chat");
  if (!messages.length) append(chat, el("div", "tnb-muted", "(no messages)"));
  for (const message of messages) {
    const role = ROLES.has(message.role) ? message.role : "other";
    const bubble = el("div", `tnb-msg tnb-role-${role}`);
    const who = message.tool_call_id ? `${message.role} · ${message.tool_call_id}` : message.role;
    append(bubble, el("div", "tnb-msg-role", who));
    if (message.text) append(bubble, el("div", "tnb-msg-text", message.text));
    for (const call of message.tool_calls || []) append(bubble, renderToolCall(call));
    chat.append(bubble);
  }
  return chat;
}

function renderOutput(detail) {
  const box = el("div", "tnb-output");
  if (detail.output_text) append(box, el("div", "tnb-msg tnb-role-assistant tnb-msg-text", detail.output_text));
  for (const call of detail.tool_calls) append(box, renderToolCall(call));
  if (!detail.output_text && !detail.tool_calls.length) append(box, el("div", "tnb-muted", "(no text output)"));
  return box;
}

export function renderToolCall(call) {
  const box = el("div", "tnb-toolcall");
  append(box, el("div", "tnb-toolcall-name", `→ ${call.name}${call.id ? ` (${call.id})` : ""}`));
  append(box, pre(call.arguments));
  return box;
}

function pre(value) {
  return el("pre", "tnb-pre tnb-json", value === null || value === undefined ? "null" : prettyJson(value));
}

function renderCosts(detail, sofar) {
  const tokens = detail.tokens;
  const row = el("div", "tnb-costs");
  const extra = [];
  if (tokens.cached) extra.push(`${formatTokens(tokens.cached)} cached`);
  if (tokens.reasoning) extra.push(`${formatTokens(tokens.reasoning)} reasoning`);
  const counted = `${formatTokens(tokens.input)} in / ${formatTokens(tokens.output)} out${extra.length ? ` (${extra.join(", ")})` : ""}`;
  const inOut = tokens.input === null ? "tokens unknown" : counted;
  append(row, chip("this step", `${inOut} · ${formatCost(detail.cost_usd)}`, "tnb-chip-step"));
  if (sofar) append(row, chip("so far", `${formatTokens(sofar.tokens)} tokens · ${formatCost(sofar.cost)}`, "tnb-chip-sofar"));
  return row;
}
