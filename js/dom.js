// The only way model or tool content reaches the page: as text nodes, never parsed as HTML.

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export function append(parent, ...children) {
  for (const child of children) if (child) parent.append(child);
  return parent;
}

export function button(label, title, onClick) {
  const node = el("button", "tnb-button", label);
  node.type = "button";
  node.title = title;
  node.setAttribute("aria-label", title);
  node.addEventListener("click", onClick);
  return node;
}

// A labelled value, e.g. "tokens 1,234", used in totals and step footers.
export function chip(label, value, className) {
  return append(el("span", `tnb-chip ${className || ""}`.trim()), el("span", "tnb-chip-label", label), el("span", "tnb-chip-value", value));
}

export function section(title, ...children) {
  return append(el("section", "tnb-section"), el("h4", "tnb-section-title", title), ...children);
}
