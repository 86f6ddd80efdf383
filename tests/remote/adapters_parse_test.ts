/**
 * The remote API's read-only adapters' pure halves: podman 5.4's `ps --format json` (captured in
 * the e2e harness) → the ps rows, journalctl's argv and the byte bound of logs, `since` → journalctl.
 */
import assert from "node:assert/strict";
import { journalArgs, lastBytes } from "../../lib/adapters/journal.ts";
import { parseServicePs, psArgs } from "../../lib/adapters/podman_inspect.ts";
import { journalSince } from "../../lib/remote/api_request.ts";

const CAPTURED = new URL("./fixtures/podman_ps_5.4.json", import.meta.url);

Deno.test("parseServicePs() reads name, image, state, health, start time and ports from podman 5.4", async () => {
  const json = await Deno.readTextFile(CAPTURED);
  assert.deepEqual(parseServicePs(json, "h8cap"), [{
    name: "h8-capture",
    image: "localhost/busybox:latest",
    state: "running",
    health: "healthy",
    started: "2026-12-01T22:10:45.000Z", // StartedAt 1796163045,
    ports: ["127.0.0.1:19001->80/tcp"],
  }]);
  assert.deepEqual(parseServicePs(json, "other"), [], "another service's containers are left out");
  assert.deepEqual(parseServicePs("null", "web"), []);
  // two hoists (prefixes rmt- and upd-) on one podman, each with a service web: by its units
  const two = JSON.stringify(["rmt", "upd"].map((p) => ({
    Names: [`systemd-${p}-web`],
    Image: "localhost/busybox:latest",
    State: "running",
    Labels: { "gitops-service": "web", PODMAN_SYSTEMD_UNIT: `${p}-web.service` },
  })));
  assert.deepEqual(parseServicePs(two, "web", ["rmt-web.service"]).map((c) => c.name), [
    "systemd-rmt-web",
  ]);
  assert.deepEqual(parseServicePs(two, "web").map((c) => c.name), [
    "systemd-rmt-web",
    "systemd-upd-web",
  ]);
  assert.deepEqual(psArgs("web"), [
    "ps",
    "-a",
    "--format",
    "json",
    "--filter",
    "label=gitops-service=web",
  ]);
});

Deno.test({
  name: "journalArgs() asks for the tail of every unit, --user in user mode, since when given",
  permissions: "none",
  fn() {
    assert.deepEqual(
      journalArgs("user", ["a.service", "b.service"], { tail: 50, since: "15min ago" }),
      [
        "--user",
        "--no-pager",
        "-o",
        "short-iso",
        "-n",
        "50",
        "--since",
        "15min ago",
        "-u",
        "a.service",
        "-u",
        "b.service",
      ],
    );
    assert.deepEqual(journalArgs("system", ["a.service"], { tail: 1 }), [
      "--no-pager",
      "-o",
      "short-iso",
      "-n",
      "1",
      "-u",
      "a.service",
    ]);
  },
});

Deno.test({
  name:
    "journalArgs() reads an account's units by its uid: what they wrote, + what its manager said of them",
  permissions: "none",
  fn() {
    assert.deepEqual(
      journalArgs({ uid: 1001 }, ["a.service", "b.service"], { tail: 20, since: "1h ago" }),
      [
        "--no-pager",
        "-o",
        "short-iso",
        "-n",
        "20",
        "--since",
        "1h ago",
        "_UID=1001",
        "_SYSTEMD_USER_UNIT=a.service",
        "_SYSTEMD_USER_UNIT=b.service",
        "+",
        "_UID=1001",
        "USER_UNIT=a.service",
        "USER_UNIT=b.service",
      ],
    );
  },
});

Deno.test({
  name: "lastBytes() keeps the newest lines within the bound, starting at a line",
  permissions: "none",
  fn() {
    const text = "line one\nline two\nline three\n";
    const bytes = new TextEncoder().encode(text);
    assert.deepEqual(lastBytes(bytes, 100), { text, truncated: false });
    assert.deepEqual(lastBytes(bytes, 12), { text: "line three\n", truncated: true });
  },
});

Deno.test({
  name: "journalSince() takes durations and UTC times, nothing else",
  permissions: "none",
  fn() {
    const cases: [string, string | undefined][] = [
      ["30s", "30s ago"],
      ["15m", "15min ago"],
      ["2h", "2h ago"],
      ["7d", "7d ago"],
      ["2026-12-01T12:00:00Z", "2026-12-01 12:00:00 UTC"],
      ["yesterday", undefined],
      ["-1h", undefined],
      ["1h; rm -rf /", undefined],
      ["2026-12-01 12:00", undefined],
    ];
    for (const [given, want] of cases) assert.equal(journalSince(given), want, given);
  },
});
