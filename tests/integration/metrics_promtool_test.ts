/**
 * The metrics exposition checked by Prometheus's own linter (`promtool check metrics`, installed by
 * scripts/install_promtool.sh from Debian's prometheus package) after a deploy, a failed fetch and
 * a signature refusal, for `GET /metrics` and for the timer run's textfile.
 */
import assert from "node:assert/strict";
import { Metrics, type ObservedRun } from "../../lib/server/metrics.ts";

const PROMTOOL = Deno.env.get("PROMTOOL") ?? "/usr/local/bin/promtool";

async function promtool(text: string): Promise<{ code: number; output: string }> {
  const child = new Deno.Command(PROMTOOL, {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(text));
  await w.close();
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

const at = new Date("2026-12-01T12:00:00Z");
const RUNS: ObservedRun[] = [
  {
    trigger: "webhook",
    seconds: 1.8,
    at,
    facts: {
      summary: { result: "changed", message: "4 action(s) applied", revision: "ab12" },
      sources: [{ source: "main", commit: "ab12cd34", signer: 'ops "key" <ops@example.org>' }],
      services: [
        { service: "web", up: true, blocked: false },
        { service: "db", up: false, blocked: true },
      ],
      restarts: [{ service: "web", reason: "content-changed" }, {
        service: "web",
        reason: "new-service",
      }],
    },
  },
  {
    trigger: "schedule",
    seconds: 60.2,
    at,
    facts: {
      summary: { result: "error", message: "source main: git fetch timed out" },
      errorCode: "source-failed",
      errorSource: "main",
      sources: [],
      services: [],
      restarts: [],
    },
  },
  {
    trigger: "schedule",
    seconds: 0.3,
    at,
    facts: {
      summary: { result: "error", message: "not signed by a trusted key" },
      errorCode: "signature-untrusted",
      errorSource: "main",
      sources: [],
      services: [],
      restarts: [],
    },
  },
];

for (const mode of ["server", "textfile"] as const) {
  Deno.test(`promtool check metrics passes on the ${mode} exposition after a deploy, a failed fetch and a refusal`, async () => {
    await Deno.stat(PROMTOOL).catch(() => {
      throw new Error(
        `${PROMTOOL} is missing: run scripts/install_promtool.sh as root (or set PROMTOOL)`,
      );
    });
    const m = new Metrics(mode);
    for (const r of RUNS) m.run(r);
    if (mode === "server") {
      m.webhook("deploy-all-changed", 202);
      m.remote("restart", "ok");
      m.remote("../../etc", "refused");
    }
    const text = await m.text();
    const checked = await promtool(text);
    assert.equal(checked.code, 0, `promtool:\n${checked.output}\n--- exposition:\n${text}`);
    assert.equal(checked.output.trim(), "", `promtool has remarks:\n${checked.output}`);
    assert.match(text, /hoist_service_up\{service="web"\} 1/);
    assert.match(text, /hoist_service_blocked\{service="db"\} 1/);
    assert.match(
      text,
      /hoist_source_info\{source="main",commit="ab12cd34",signer="ops \\"key\\" <ops@example.org>"\} 1/,
    );
    assert.match(text, /hoist_last_run_result\{result="error"\} 1/);
    assert.doesNotMatch(text, /host=/, "no host label: Prometheus adds instance");
    if (mode === "server") {
      assert.match(text, /hoist_reconcile_runs_total\{trigger="schedule",result="error"\} 2/);
      assert.match(text, /hoist_source_fetch_failures_total\{source="main"\} 1/);
      assert.match(
        text,
        /hoist_signature_refusals_total\{source="main",reason="signature-untrusted"\} 1/,
      );
      assert.match(
        text,
        /hoist_service_restarts_total\{service="web",reason="content-changed"\} 1/,
      );
      assert.match(text, /hoist_reconcile_duration_seconds_count 3/);
      assert.match(text, /hoist_remote_operations_total\{op="restart",result="ok"\} 1/);
      assert.match(text, /hoist_remote_operations_total\{op="other",result="refused"\} 1/);
      assert.ok(!text.includes("../../etc"), "no request text in a label");
    } else {
      assert.doesNotMatch(
        text,
        /_total|_bucket/,
        "a single run's counters mean nothing in a textfile",
      );
    }
  });
}

Deno.test("the Grafana dashboard's queries parse (promtool check rules) and use only metrics hoist exports", async () => {
  const dashboard = JSON.parse(
    await Deno.readTextFile(
      new URL("../../examples/grafana/hoist-dashboard.json", import.meta.url),
    ),
  ) as { panels: { title: string; targets: { expr: string }[] }[] };
  const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
  assert.ok(exprs.length >= 10);
  const m = new Metrics("server");
  for (const r of RUNS) m.run(r);
  m.webhook("health", 200);
  const exported = new Set(
    [...(await m.text()).matchAll(/^# TYPE (\S+) (\S+)/gm)].flatMap(([, name, type]) =>
      type === "histogram" ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name!]
    ),
  );
  for (const e of exprs) {
    for (const [name] of e.matchAll(/\bhoist_[a-z_]+/g)) {
      assert.ok(exported.has(name), `${name} (in ${e}) is not a metric hoist exports`);
    }
  }
  // recording rules are the one place promtool parses PromQL offline
  const rules = [
    "groups:",
    "  - name: dashboard",
    "    rules:",
    ...exprs.flatMap((e, i) => [
      `      - record: hoist:dashboard_${i}`,
      `        expr: ${JSON.stringify(e.replaceAll("$__rate_interval", "5m"))}`,
    ]),
  ].join("\n") + "\n";
  const dir = await Deno.makeTempDir({ prefix: "hoist-rules-" });
  try {
    await Deno.writeTextFile(`${dir}/rules.yml`, rules);
    const out = await new Deno.Command(PROMTOOL, { args: ["check", "rules", `${dir}/rules.yml`] })
      .output();
    const dec = new TextDecoder();
    assert.equal(out.code, 0, dec.decode(out.stdout) + dec.decode(out.stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
