// A list that keeps only the rows in view (plus a few) in the DOM, so 10,000 steps scroll smoothly.
// Rows have one fixed height; each is rendered by the caller and positioned absolutely.

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
  viewport.setAttribute("role", "list");
  const spacer = document.createElement("div");
  spacer.className = "tnb-vlist-spacer";
  viewport.append(spacer);
  const rows = new Map(); // index -> element
  let total = count;
  let frame = 0;

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
      spacer.append(row);
      rows.set(index, row);
    }
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
    renderedCount: () => rows.size,
    destroy() {
      if (frame) cancelAnimationFrame(frame);
      viewport.removeEventListener("scroll", schedule);
    },
  };
}
