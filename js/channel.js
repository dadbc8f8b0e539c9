// Full step detail is not synced with the summaries: it is asked for when a step is opened.
// One request per key; answers (custom messages from Python) are cached for the view's life.

export function createDetailChannel(model) {
  const cache = new Map(); // key -> Promise of detail
  const waiting = new Map(); // key -> resolve

  function onMessage(message) {
    if (!message || message.type !== "detail") return;
    const resolve = waiting.get(message.key);
    if (resolve) {
      waiting.delete(message.key);
      resolve(message.detail);
    }
  }
  model.on("msg:custom", onMessage);

  return {
    // request: what Python's _detail() reads, e.g. { step: 3 } or { row: 7 }.
    get(key, request) {
      if (!cache.has(key)) {
        cache.set(key, new Promise((resolve) => waiting.set(key, resolve)));
        model.send({ type: "detail", key, ...request });
      }
      return cache.get(key);
    },
    destroy() {
      model.off("msg:custom", onMessage);
    },
  };
}
