/**
 * The status page in a real browser: Debian's headless Chromium, driven over the DevTools protocol,
 * loads `GET /` of a real `hoist serve` (see serve_helpers.ts) after a deploy, at 320 px wide. The
 * page must show the host, the source's commit and every service, run no script, and fit the
 * width; a screenshot is taken and checked to be a real PNG of that width.
 */
import assert from "node:assert/strict";
import { skipUnless, withTempDir } from "./helpers.ts";
import { served } from "./serve_helpers.ts";
import { reservePort } from "../support/ports.ts";
import { QUADLET_BIN } from "../support/fake_host.ts";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

const ignore = skipUnless(
  CHROMIUM === undefined
    ? "chromium is not installed (apt-get install chromium)"
    : QUADLET_BIN === undefined
    ? "the quadlet generator is not installed"
    : undefined,
  Deno.env.get("CI") === "true",
);

/** A DevTools protocol session with one page. */
class Page {
  #ws: WebSocket;
  #next = 1;
  #waiting = new Map<number, (v: Record<string, unknown>) => void>();
  #events: { method: string; resolve: () => void }[] = [];

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.onmessage = (m) => {
      const msg = JSON.parse(String(m.data)) as {
        id?: number;
        method?: string;
        result?: Record<string, unknown>;
        error?: { message: string };
      };
      if (msg.id !== undefined) {
        if (msg.error) throw new Error(`DevTools: ${msg.error.message}`);
        this.#waiting.get(msg.id)?.(msg.result ?? {});
        this.#waiting.delete(msg.id);
      } else {
        this.#events = this.#events.filter((e) => {
          if (e.method !== msg.method) return true;
          e.resolve();
          return false;
        });
      }
    };
  }

  static async open(port: number): Promise<Page> {
    const targets = await waitJson(`http://127.0.0.1:${port}/json/list`) as {
      type: string;
      webSocketDebuggerUrl: string;
    }[];
    const page = targets.find((t) => t.type === "page");
    assert.ok(page, JSON.stringify(targets));
    const ws = new WebSocket(page.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = reject;
    });
    return new Page(ws);
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.#next++;
    this.#ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve) => this.#waiting.set(id, resolve));
  }

  once(method: string): Promise<void> {
    return new Promise((resolve) => this.#events.push({ method, resolve }));
  }

  close(): void {
    this.#ws.close();
  }
}

async function waitJson(url: string): Promise<unknown> {
  const end = Date.now() + 20_000;
  for (;;) {
    try {
      return await (await fetch(url)).json();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

Deno.test({
  name:
    "the status page in headless Chromium at 320 px: host, commit, every service, no script, fits",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      const s = await served(dir);
      const port = await reservePort(); // kept until chromium is gone: see the finally
      const browser = new Deno.Command(CHROMIUM ?? "chromium", {
        args: [
          "--headless=new",
          "--no-sandbox",
          "--disable-gpu",
          "--no-first-run",
          `--user-data-dir=${dir}/chromium`,
          `--remote-debugging-port=${port.port}`,
          "--window-size=320,1200",
          "about:blank",
        ],
        stdout: "null",
        stderr: "null",
      }).spawn();
      let page: Page | undefined;
      try {
        page = await Page.open(port.port);
        await page.send("Page.enable");
        await page.send("Emulation.setDeviceMetricsOverride", {
          width: 320,
          height: 1200,
          deviceScaleFactor: 1,
          mobile: true,
        });
        const loaded = page.once("Page.loadEventFired");
        await page.send("Page.navigate", { url: `${s.url}/` });
        await loaded;
        const evaluated = await page.send("Runtime.evaluate", {
          expression: `JSON.stringify({
            text: document.body.innerText,
            scrollWidth: document.documentElement.scrollWidth,
            innerWidth: window.innerWidth,
            scripts: document.scripts.length,
          })`,
          returnByValue: true,
        }) as { result: { value: string } };
        const got = JSON.parse(evaluated.result.value) as {
          text: string;
          scrollWidth: number;
          innerWidth: number;
          scripts: number;
        };
        const head = (await s.host.repo.head()).slice(0, 12);
        assert.match(got.text, /hoist on demo-host/);
        assert.ok(got.text.includes(head), `the commit ${head} is shown:\n${got.text}`);
        for (const service of ["api", "db", "web"]) {
          assert.match(
            got.text,
            new RegExp(`^${service}$`, "m"),
            `service ${service}:\n${got.text}`,
          );
        }
        assert.match(got.text, /signer unsigned/);
        assert.match(got.text, /r1 start: changed/);
        assert.equal(got.scripts, 0);
        assert.equal(got.innerWidth, 320);
        assert.ok(got.scrollWidth <= 320, `the page is ${got.scrollWidth} px wide at 320`);
        const shot = await page.send("Page.captureScreenshot", { format: "png" }) as {
          data: string;
        };
        const png = Uint8Array.from(atob(shot.data), (c) => c.charCodeAt(0));
        // HOIST_SCREENSHOT=FILE keeps the screenshot for a look
        await Deno.writeFile(Deno.env.get("HOIST_SCREENSHOT") ?? `${dir}/status-320.png`, png);
        assert.deepEqual([...png.slice(1, 4)], [0x50, 0x4e, 0x47], "a PNG");
        const width = new DataView(png.buffer).getUint32(16);
        assert.equal(width, 320, "the screenshot is 320 px wide");
      } finally {
        page?.close();
        browser.kill("SIGKILL");
        await browser.status;
        await port.release();
        await s.stop();
      }
    });
  },
});
