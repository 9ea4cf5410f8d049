import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

type Handler = (event: Record<string, unknown>) => void;

/** Loads public/push-sw.js against a fake service worker global. */
function loadWorker(clients: { postMessage: (m: unknown) => void; focus: () => Promise<unknown> }[]) {
  const handlers: Record<string, Handler> = {};
  const shown: { title: string; options: { data: { url: string } } }[] = [];
  const opened: string[] = [];
  const self = {
    location: { origin: "https://relay.example" },
    addEventListener: (name: string, fn: Handler) => (handlers[name] = fn),
    registration: {
      showNotification: async (title: string, options: { data: { url: string } }) => void shown.push({ title, options }),
    },
    clients: {
      matchAll: async () => clients,
      openWindow: async (url: string) => void opened.push(url),
    },
    navigator: {},
  };
  const source = readFileSync(fileURLToPath(new URL("../public/push-sw.js", import.meta.url)), "utf8");
  new Function("self", "URL", source)(self, URL);
  return { handlers, shown, opened };
}

async function push(handlers: Record<string, Handler>, payload: unknown): Promise<void> {
  let done: Promise<unknown> = Promise.resolve();
  handlers.push!({ data: { json: () => payload, text: () => JSON.stringify(payload) }, waitUntil: (p: Promise<unknown>) => (done = p) });
  await done;
}

async function click(handlers: Record<string, Handler>, url: string): Promise<void> {
  let done: Promise<unknown> = Promise.resolve();
  handlers.notificationclick!({ notification: { close: () => undefined, data: { url } }, waitUntil: (p: Promise<unknown>) => (done = p) });
  await done;
}

describe("service worker push handling", () => {
  it("shows the push and keeps the page to open as a hash route", async () => {
    const { handlers, shown } = loadWorker([]);
    await push(handlers, { title: "Report ready", body: "CT abdomen", url: "/reports/abc123456" });
    await push(handlers, { title: "Urgent study", url: "https://relay.example/desk/demo/abc123456" });
    await push(handlers, { title: "Elsewhere", url: "https://evil.example/phish" });
    expect(shown.map((s) => s.options.data.url)).toEqual(["/#/reports/abc123456", "/#/desk/demo/abc123456", "/"]);
  });

  it("a click opens a window on the page, or tells an open one to go there", async () => {
    const closed = loadWorker([]);
    await click(closed.handlers, "/#/studies/abc123456");
    expect(closed.opened).toEqual(["/#/studies/abc123456"]);

    const messages: unknown[] = [];
    let focused = 0;
    const open = loadWorker([{ postMessage: (m) => messages.push(m), focus: async () => (focused += 1) }]);
    await click(open.handlers, "/#/desk/demo/abc123456");
    expect(messages).toEqual([{ type: "relaypacs:navigate", url: "/#/desk/demo/abc123456" }]);
    expect(focused).toBe(1);
    expect(open.opened).toEqual([]);
  });
});
