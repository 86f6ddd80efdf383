import assert from "node:assert/strict";
import { compileTemplate, type Template } from "../../lib/config/notify_config.ts";
import type { NotifyEvent } from "../../lib/notify/events.ts";
import { renderMessage, suppressedLine } from "../../lib/notify/render_message.ts";
import { throttle, type ThrottleRow } from "../../lib/notify/throttle.ts";
import { sinkFilter } from "../../lib/notify/sink_filter.ts";
import { parseConfig } from "../../lib/config/load_config.ts";

const EVENT: NotifyEvent = {
  kind: "failed",
  host: "h1",
  at: "2026-12-01T02:40:12.000Z",
  source: "main",
  revision: "0123456789abcdef0123456789abcdef01234567",
  signer: "alice@example.org",
  service: "web",
  summary: "start gitops-web.service failed",
};

function template(title: string, body: string): Template {
  const t = compileTemplate(title), b = compileTemplate(body);
  assert.ok(t.ok && b.ok);
  return { title: t.parts, body: b.parts };
}

Deno.test({
  name: "renderMessage() fills every field; absent ones show as -, controls are escaped",
  permissions: "none",
  fn() {
    const t = template(
      "{kind} {service}@{host}",
      "{source} {revision} {rev} {signer} {time}: {summary}",
    );
    assert.deepEqual(renderMessage(EVENT, t), {
      event: EVENT,
      title: "failed web@h1",
      body: "main 0123456789abcdef0123456789abcdef01234567 0123456789ab alice@example.org " +
        "2026-12-01 02:40 UTC: start gitops-web.service failed",
    });
    const hostWide: NotifyEvent = {
      kind: "refused",
      host: "h1",
      at: EVENT.at,
      summary: "x\x1b[2J",
    };
    const m = renderMessage(hostWide, template("{service} {rev} {signer}", "{summary}"));
    assert.equal(m.title, "- - -");
    assert.equal(m.body, "x\\x1b[2J");
  },
});

Deno.test({
  name: "renderMessage() appends what the throttle left out: 'and 14 more failures of web since'",
  permissions: "none",
  fn() {
    const t = template("{service}", "{summary}");
    const m = renderMessage(EVENT, t, { count: 14, since: "2026-12-01T02:10:00.000Z" });
    assert.equal(
      m.body,
      "start gitops-web.service failed\n\nand 14 more failures of web since 02:10 UTC",
    );
    assert.deepEqual(m.suppressed, { count: 14, since: "2026-12-01T02:10:00.000Z" });
    const { service: _, ...noService } = EVENT;
    const rows: [NotifyEvent, string, string][] = [
      [
        { ...noService, kind: "fetch-failed" },
        "2026-12-01T00:00:00Z",
        "and 2 more failed fetches of main since 00:00 UTC",
      ],
      [EVENT, "2026-11-30T23:50:00.000Z", "and 2 more failures of web since 2026-11-30 23:50 UTC"],
      [
        { ...EVENT, kind: "deployed" },
        "2026-12-01T01:00:00Z",
        "and 2 more deploys of web since 01:00 UTC",
      ],
    ];
    for (const [e, since, want] of rows) {
      assert.equal(suppressedLine(e, { count: 2, since }), want);
    }
  },
});

const MIN = 60_000;
const WINDOW = 30 * MIN;

Deno.test({
  name: "throttle(): one message per window, the rest counted from the first left out",
  permissions: "none",
  fn() {
    const rows: [string, ThrottleRow | undefined, number, number, unknown][] = [
      ["the first event is sent", undefined, 0, WINDOW, {
        send: true,
        row: { lastSent: 0, suppressed: 0 },
      }],
      [
        "one inside the window is counted, with its time",
        { lastSent: 0, suppressed: 0 },
        5 * MIN,
        WINDOW,
        {
          send: false,
          row: { lastSent: 0, suppressed: 1, since: 5 * MIN },
        },
      ],
      [
        "the next keeps the first one's time",
        { lastSent: 0, suppressed: 1, since: 5 * MIN },
        9 * MIN,
        WINDOW,
        {
          send: false,
          row: { lastSent: 0, suppressed: 2, since: 5 * MIN },
        },
      ],
      [
        "at the window's end it is sent with the count",
        { lastSent: 0, suppressed: 2, since: 5 * MIN },
        WINDOW,
        WINDOW,
        {
          send: true,
          suppressed: { count: 2, since: new Date(5 * MIN).toISOString() },
          row: { lastSent: WINDOW, suppressed: 0 },
        },
      ],
      ["after a quiet window, no count", { lastSent: 0, suppressed: 0 }, 2 * WINDOW, WINDOW, {
        send: true,
        row: { lastSent: 2 * WINDOW, suppressed: 0 },
      }],
      ["window 0 sends every one", { lastSent: 0, suppressed: 0 }, 1, 0, {
        send: true,
        row: { lastSent: 1, suppressed: 0 },
      }],
      [
        "a clock that went back sends (and starts a new window)",
        { lastSent: 10 * MIN, suppressed: 0 },
        0,
        WINDOW,
        {
          send: true,
          row: { lastSent: 0, suppressed: 0 },
        },
      ],
    ];
    for (const [name, row, now, window, want] of rows) {
      assert.deepEqual(throttle(row, now, window), want, name);
    }
  },
});

Deno.test({
  name: "sinkFilter(): kinds in on, services (host-wide events reach all), the fetch threshold",
  permissions: "none",
  fn() {
    const config = parseConfig(
      `[source]\nurl = "/srv/g.git"\n[[notify]]\ntype = "webhook"\nurl = "https://h"\n` +
        `on = ["failed", "fetch-failed", "refused"]\nservices = ["web"]\nfetch_failures = 5\n`,
      "/c.toml",
      { hostname: "h1", uid: 0, home: "/root", env: {} },
    );
    const wants = sinkFilter(config.notify[0]!);
    const { service: _, ...hostWide } = EVENT;
    const rows: [NotifyEvent, boolean][] = [
      [EVENT, true],
      [{ ...EVENT, service: "db" }, false],
      [{ ...EVENT, kind: "deployed" }, false],
      [{ ...hostWide, kind: "refused" }, true],
      [{ ...hostWide, kind: "fetch-failed", failures: 4 }, false],
      [{ ...hostWide, kind: "fetch-failed", failures: 5 }, true],
    ];
    assert.deepEqual(rows.map(([e]) => wants(e)), rows.map(([, w]) => w));
  },
});
