// A virtual list of steps bound to the model's `selected` index (-1: none). A click toggles a row, the
// keys the widget maps move the selection, and the selected row's detail is fetched and shown in a
// pane below the list.

import { el } from "./dom.js";
import { ROW_HEIGHT } from "./rows.js";
import { createVirtualList } from "./virtual_list.js";

// count: rows; renderRow(index, selected): a row node; label: the list's aria-label;
// target(key, current): the index a key selects, or undefined when the key is not the list's;
// loadDetail(index): a promise of the detail node; loading(index): optional text shown meanwhile.
export function createSelectableList(model, { count, renderRow, label, target, loadDetail, loading }) {
  const list = createVirtualList({
    count,
    rowHeight: ROW_HEIGHT,
    maxRows: 14,
    className: "tnb-steps",
    renderRow(index) {
      const row = renderRow(index, index === model.get("selected"));
      row.addEventListener("click", () => select(index === model.get("selected") ? -1 : index));
      return row;
    },
  });
  list.element.tabIndex = 0;
  list.element.dataset.lmSuppressShortcuts = "true"; // Lumino (JupyterLab) leaves these keys to the list
  list.element.setAttribute("aria-label", label);
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
    if (index < 0 || index >= count) return;
    list.scrollToIndex(index);
    if (loading) pane.append(el("div", "tnb-muted", loading(index)));
    const detail = await loadDetail(index);
    if (model.get("selected") === index) pane.replaceChildren(detail);
  }

  list.element.addEventListener("keydown", (event) => {
    const index = target(event.key, model.get("selected"));
    if (index === undefined) return;
    select(index);
    event.preventDefault();
  });
  model.on("change:selected", showSelected);

  return {
    list: list.element,
    pane,
    // Call once the list is in the page: shows a selection the model already holds.
    start() {
      if (model.get("selected") >= 0) showSelected();
    },
    destroy() {
      model.off("change:selected", showSelected);
      list.destroy();
    },
  };
}
