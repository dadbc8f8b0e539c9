// A list that keeps only the rows in view (plus a few) in the DOM, so 10,000 steps scroll smoothly.
// Rows have one fixed height; each is rendered by the caller and positioned absolutely. The list is a
// listbox: its selected row (setActive) is named by aria-activedescendant while that row is rendered.

// Pure: which rows [start, end) to render for a scroll position.
export function visibleRange({ scrollTop, viewportHeight, rowHeight, count, overscan = 8 }) {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const shown = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(first, count - 1) - overscan);
  const end = Math.min(count, first + shown + overscan);
  return { start, end };
}

// Pure: the scrollTop that brings row `index` into view, or the current one when it already is.
export function scrollTopFor({ index, scrollTop, viewportHeight, rowHeight }) {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewportHeight) return top + rowHeight - viewportHeight;
  return scrollTop;
}

export function createVirtualList({ count, rowHeight, maxRows, renderRow, className }) {
  const viewport = document.createElement("div");
  viewport.className = `tnb-vlist ${className || ""}`.trim();
  viewport.setAttribute("role", "listbox");
  const spacer = document.createElement("div");
  spacer.className = "tnb-vlist-spacer";
  viewport.append(spacer);
  const rows = new Map(); // index -> element
  const ids = `tnb-row-${Math.random().toString(36).slice(2, 10)}`;
  let total = count;
  let frame = 0;
  let active = -1;

  function markActive() {
    const row = rows.get(active);
    if (row) viewport.setAttribute("aria-activedescendant", row.id);
    else viewport.removeAttribute("aria-activedescendant");
  }

  function layout() {
    spacer.style.height = `${total * rowHeight}px`;
    viewport.style.height = `${Math.max(1, Math.min(total, maxRows)) * rowHeight}px`;
  }

  function update() {
    frame = 0;
    const height = viewport.clientHeight || Math.min(total, maxRows) * rowHeight;
    const { start, end } = visibleRange({ scrollTop: viewport.scrollTop, viewportHeight: height, rowHeight, count: total });
    for (const [index, row] of rows) {
      if (index < start || index >= end) {
        row.remove();
        rows.delete(index);
      }
    }
    for (let index = start; index < end; index++) {
      if (rows.has(index)) continue;
      const row = renderRow(index);
      row.style.position = "absolute";
      row.style.top = `${index * rowHeight}px`;
      row.style.height = `${rowHeight}px`;
      row.dataset.index = String(index);
      row.id = `${ids}-${index}`;
      spacer.append(row);
      rows.set(index, row);
    }
    markActive();
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(update);
  }

  viewport.addEventListener("scroll", schedule, { passive: true });
  layout();
  update();

  return {
    element: viewport,
    // Re-render every row in view (after a selection change, say).
    refresh() {
      for (const row of rows.values()) row.remove();
      rows.clear();
      update();
    },
    scrollToIndex(index) {
      const height = viewport.clientHeight || Math.min(total, maxRows) * rowHeight;
      const top = scrollTopFor({ index, scrollTop: viewport.scrollTop, viewportHeight: height, rowHeight });
      if (top !== viewport.scrollTop) viewport.scrollTop = top;
      update();
    },
    setCount(next) {
      total = next;
      layout();
      this.refresh();
    },
    // The selected row (-1: none), for assistive technology.
    setActive(index) {
      active = index;
      markActive();
    },
    renderedCount: () => rows.size,
    destroy() {
      if (frame) cancelAnimationFrame(frame);
      viewport.removeEventListener("scroll", schedule);
    },
  };
}
