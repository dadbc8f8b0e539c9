// The HTML report's loader: mounts the widgets' own built front-end (embedded, unchanged) on the
// placeholders of the page, each with a small in-page stand-in for the anywidget model. The data is
// JSON embedded in the page; a step's detail, which a widget asks Python for in a notebook, is
// answered from it. Nothing here parses model or tool text as HTML: the widgets set it as text.

const data = JSON.parse(document.getElementById("tnb-report-data").textContent);
const modules = new Map();

// The widget bundles are ES modules with a default export, imported the way anywidget imports
// them: from a Blob URL, so the page needs no server and no other file.
function widgetModule(name) {
  if (!modules.has(name)) {
    const source = document.getElementById(`tnb-esm-${name}`).textContent;
    const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    modules.set(name, import(url).then((module) => module.default));
  }
  return modules.get(name);
}

// The part of anywidget's model the widgets use: get, set, on / off (change:NAME and msg:custom),
// save_changes, and send for detail requests.
function createModel(state, answer) {
  const listeners = new Map();
  const emit = (event, ...args) => {
    for (const callback of [...(listeners.get(event) || [])]) callback(...args);
  };
  return {
    get: (name) => state[name],
    set(name, value) {
      const changed = state[name] !== value;
      state[name] = value;
      if (changed) emit(`change:${name}`, value);
    },
    on(event, callback) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(callback);
    },
    off(event, callback) {
      if (!event) listeners.clear();
      else if (!callback) listeners.delete(event);
      else if (listeners.has(event)) listeners.get(event).delete(callback);
    },
    save_changes() {},
    send(message) {
      if (!message || message.type !== "detail") return;
      const detail = answer(message) ?? null;
      queueMicrotask(() => emit("msg:custom", { type: "detail", key: message.key, detail }, []));
    },
  };
}

// The embedded details are compact: a step's messages are indices into data.messages, and a diff row
// names its two steps by number (the first and second trace's details hold them).
function stepDetail(trace, step) {
  const detail = step === null || step === undefined ? null : trace.details[step];
  return detail && { ...detail, messages: detail.messages.map((index) => data.messages[index]) };
}

function modelFor(node) {
  const widget = node.dataset.tnbWidget;
  if (widget === "diff") {
    const diff = data.diffs[Number(node.dataset.tnbDiff)];
    const state = { title: diff.title, rows: diff.rows, badges: diff.badges, titles: diff.titles, selected: diff.selected };
    return createModel(state, (message) => {
      const row = diff.details[Number(message.row)];
      return row && { ...row, old: stepDetail(data.traces[0], row.old), new: stepDetail(data.traces[1], row.new) };
    });
  }
  const trace = data.traces[Number(node.dataset.tnbTrace)];
  const state = { title: trace.title, steps: trace.steps, totals: trace.totals };
  if (widget === "debugger") state.step = 0;
  else state.selected = -1;
  return createModel(state, (message) => stepDetail(trace, Number(message.step)));
}

// A placeholder holds the view's static summary (what a browser without JavaScript shows); the
// widget replaces it, and if the widget cannot run the summary stays, with the reason above it.
async function mount(node) {
  const summary = [...node.childNodes];
  const host = document.createElement("div");
  try {
    const widget = await widgetModule(node.dataset.tnbWidget);
    node.replaceChildren(host);
    await widget.render({ model: modelFor(node), el: host });
  } catch (error) {
    const reason = document.createElement("div");
    reason.className = "tnb-report-failed";
    reason.textContent = `This view could not be shown (${error}); its static summary follows.`;
    node.replaceChildren(reason, ...summary);
  }
}

Promise.all([...document.querySelectorAll("[data-tnb-widget]")].map(mount)).then(() => {
  document.body.dataset.tnbReady = "true";
});
