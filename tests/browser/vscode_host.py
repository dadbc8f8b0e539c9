"""VS Code's own ipywidgets 8 widget manager in a page: the npm package VS Code's Jupyter extension runs in its
notebook output webview (@vscode/jupyter-ipywidgets8), with a live kernel of the lab's Jupyter server.

As in VS Code's webview: require.js on the page; the package's `activate()` and `window.vscIPyWidgets8.load()`
register @jupyter-widgets/base, controls and output in require.js and give `window.vscIPyWidgets.WidgetManager`;
the manager is built with a kernel connection of @jupyterlab/services that handles comms (VS Code wraps one
around a socket relayed to the extension host; here its socket is the server's own), and third-party widget
modules (anywidget) come from a widget script source: the package's classic nbextension in the Python
environment, registered in require.js by module name. A widget output (display data of the widget-view mime
type on iopub) is rendered by the manager into an output element of its own, as VS Code's renderer does.
The cells run from a second connection, the extension host's, whose iopub messages every connection sees.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from pathlib import Path

from jupyter_core.paths import jupyter_path

MANAGER = "@vscode/jupyter-ipywidgets8@1.0.9"
# JupyterLab 4's @jupyterlab/services, the one the package's own dependencies resolve to; esbuild bundles its kernel
# connection for the page (the package's bundle does not export one).
BUILD = ("@jupyterlab/services@7.6.6", "requirejs@2.3.8", "esbuild@0.28.2")
KERNEL_ENTRY = """\
export { KernelConnection } from "@jupyterlab/services/lib/kernel/default.js";
export { ServerConnection } from "@jupyterlab/services/lib/serverconnection.js";
"""
PREFIX = "/vscode/"  # where the page is served, on the lab's own origin (its websocket accepts no other)

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>VS Code widget host</title></head>
<body class="vscode-light">
<div id="outputs"></div>
<script src="require.js"></script>
<script type="application/json" id="config">%(config)s</script>
<script type="module">
import { activate } from "./ipywidgets.js";
import { KernelConnection, ServerConnection } from "./kernel.js";

const config = JSON.parse(document.getElementById("config").textContent);
const WIDGET_VIEW = "application/vnd.jupyter.widget-view+json";
// What the test reads: the manager's log, load and render errors, and the custom messages the kernel sent.
window.host = { log: [], loadErrors: [], renderErrors: [], rendered: 0, scriptRequests: [], custom: [] };

activate();
window.vscIPyWidgets8.load();
const serverSettings = ServerConnection.makeSettings({ baseUrl: config.baseUrl });
const model = { id: config.kernel, name: "python3" };
const kernel = new KernelConnection({ model, serverSettings, handleComms: true });
const extensionHost = new KernelConnection({ model, serverSettings, handleComms: false });

const registered = new Set();
const scriptLoader = {
  widgetsRegisteredInRequireJs: registered,
  async loadWidgetScript(moduleName, moduleVersion) {
    host.scriptRequests.push(`${moduleName}@${moduleVersion}`);
    const uri = config.widgetScripts[moduleName];
    if (uri === undefined) return;
    window.requirejs.config({ paths: { [moduleName]: uri.replace(/\\.js$/, "") } });
    registered.add(moduleName);
  },
  successHandler() {},
  errorHandler(className, moduleName, moduleVersion, error) {
    host.loadErrors.push(`${moduleName}@${moduleVersion} ${className}: ${error}`);
  },
};
const outputs = document.getElementById("outputs");
const manager = new window.vscIPyWidgets.WidgetManager(
  kernel, outputs, scriptLoader, (message) => host.log.push(message), undefined
);

async function render(data) {
  const node = outputs.appendChild(document.createElement("div"));
  node.className = "cell-output-ipywidget-background";  // what VS Code's renderer names it
  node.dataset.modelId = data.model_id;
  try {
    const widget = await manager.get_model(data.model_id);
    const view = await manager.create_view(widget, { el: node });
    await manager.display_view(data, view, { node });
    host.rendered += 1;
  } catch (error) {
    host.renderErrors.push(String(error && error.stack || error));
  }
}
kernel.iopubMessage.connect((_, message) => {
  const type = message.header.msg_type;
  const data = message.content.data && message.content.data[WIDGET_VIEW];
  if (data && (type === "display_data" || type === "execute_result")) render(data);
  if (type === "comm_msg" && message.content.data.method === "custom") {
    host.custom.push({ model: message.content.comm_id, ...message.content.data.content });
  }
});

// A cell run as the extension host runs it: its status and what it printed.
window.runCell = async (code) => {
  const future = extensionHost.requestExecute({ code });
  let stdout = "";
  future.onIOPub = (message) => {
    if (message.header.msg_type === "stream") stdout += message.content.text;
  };
  return { status: (await future.done).content.status, stdout };
};
// A widget model's synced trait, read through the manager.
window.trait = async (modelId, name) => (await manager.get_model(modelId)).get(name);
await Promise.all([kernel.info, extensionHost.info]);
host.ready = true;
</script>
</body></html>
"""


def build(folder: Path) -> Path:
    """The manager package, require.js and the kernel connection, in `folder`; npm fetches them from its
    registry (a second run is served from npm's cache)."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("no npm: `bash scripts/test` installs it (apt-get install npm)")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_text(json.dumps({"private": True}))
    quiet = ("--no-audit", "--no-fund", "--loglevel=error")
    tarball = _run([npm, "pack", "--silent", MANAGER], folder).strip().splitlines()[-1]
    with tarfile.open(folder / tarball) as archive:
        archive.extractall(folder / "manager", filter="data")
    _run([npm, "install", "--no-save", *quiet, *BUILD], folder)
    (folder / "entry.js").write_text(KERNEL_ENTRY)
    esbuild = folder / "node_modules" / ".bin" / "esbuild"
    _run([str(esbuild), "entry.js", "--bundle", "--format=esm", "--outfile=kernel.js", "--log-level=warning"], folder)
    served = folder / "served"
    served.mkdir()
    shutil.copy(folder / "manager" / "package" / "dist" / "ipywidgets.js", served / "ipywidgets.js")
    shutil.copy(folder / "node_modules" / "requirejs" / "require.js", served / "require.js")
    shutil.copy(folder / "kernel.js", served / "kernel.js")
    return served


def _run(command: list[str], folder: Path) -> str:
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def nbextension(module: str) -> Path:
    """A widget module's classic nbextension in the Python environment, where VS Code finds it."""
    for folder in jupyter_path("nbextensions"):
        script = Path(folder) / module / "index.js"
        if script.is_file():
            return script
    raise RuntimeError(f"no nbextensions/{module}/index.js in {jupyter_path('nbextensions')}")


class Files:
    """What the page's route handler serves under PREFIX: the page, the built files, and each widget module's
    nbextension under nbextensions/<module>/index.js."""

    def __init__(self, served: Path, base_url: str, kernel: str, modules: tuple[str, ...]) -> None:
        self.files = {name: served / name for name in ("ipywidgets.js", "require.js", "kernel.js")}
        scripts = {}
        for module in modules:
            self.files[f"nbextensions/{module}/index.js"] = nbextension(module)
            scripts[module] = f"{PREFIX}nbextensions/{module}/index.js"
        config = {"baseUrl": base_url, "kernel": kernel, "widgetScripts": scripts}
        self.page = PAGE % {"config": json.dumps(config)}

    def body(self, path: str) -> tuple[str, str] | None:
        """(content type, text) of the file at `path` (relative to PREFIX), or None."""
        if path in ("", "index.html"):
            return "text/html", self.page
        file = self.files.get(path)
        return None if file is None else ("text/javascript", file.read_text(encoding="utf-8"))
