/**
 * A real `hoist serve` on 127.0.0.1 for tests: the server of lib/server/serve.ts in this process,
 * with real git, the real quadlet generator and a FAKE podman + systemd
 * (tests/support/fake_host.ts), and seed 001's client tools (bash, openssl, curl).
 *
 * Also a FAKE `journalctl` ({@link withFakeJournal}): outside the e2e harness there is no journald,
 * so `journalctl … -n N -u UNIT…` answers one line per container the fake host runs for those
 * units, `<started> demo-host <unit>[1]: container <name> running`, the last N of them.
 */
import { parseConfig } from "../../lib/config/load_config.ts";
import { buildDeps } from "../../lib/deps.ts";
import type { ServeConfig } from "../../lib/config/serve_config.ts";
import { serve } from "../../lib/server/serve.ts";
import type { CommandResult, Runner } from "../../lib/adapters/run_command.ts";
import type { FakeHost } from "../support/fake_host.ts";
import { exampleFiles, makeHost, type TestHost } from "./helpers.ts";

export const SECRET = "mysecret";
const dec = new TextDecoder();

/** Runs `script` in bash with SECRET set, as seed 001's README does; returns stdout. */
export async function sh(script: string, env: Record<string, string> = {}): Promise<string> {
  const out = await new Deno.Command("bash", {
    args: ["-euo", "pipefail", "-c", script],
    env: { GITOPS_WEBHOOK_SECRET: SECRET, ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`${script}\n${dec.decode(out.stderr)}`);
  return dec.decode(out.stdout);
}

/** curl's `-w` status line and body of one request. */
export async function curl(
  args: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const out = await sh(`curl -sS -o - -w '\\n%{http_code}' ${args}`);
  const lines = out.trimEnd().split("\n");
  const status = Number(lines.pop());
  const text = lines.join("\n");
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text);
  } catch {
    body = { text };
  }
  return { status, body };
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  ms = 30_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Served {
  readonly host: TestHost;
  readonly url: string;
  stop(): Promise<void>;
  /** Waits until run `id` is done; returns its view. */
  done(id: string): Promise<Record<string, unknown>>;
}

/** How to serve: a command before each run's pre script, extra `[serve]` lines, ServeConfig overrides. */
export interface ServedOptions {
  readonly pre?: string;
  readonly serveToml?: string;
  readonly override?: Partial<ServeConfig>;
  /** The CA that signed the server's certificate, for this side's requests over TLS. */
  readonly caCert?: string;
  /** Files added to the example repository's first commit. */
  readonly files?: Readonly<Record<string, string>>;
}

/** The fake host's runner, with the FAKE `journalctl` described at the top of this file. */
export function withFakeJournal(fake: FakeHost): Runner {
  return (spec) => {
    if (spec.cmd.split("/").pop() !== "journalctl") return fake.run(spec);
    const units = spec.args.flatMap((a, i) => (spec.args[i - 1] === "-u" ? [a] : []));
    const n = Number(spec.args[spec.args.indexOf("-n") + 1] ?? "10");
    const lines = fake.containers().filter((c) => units.includes(c.unit)).map((c) =>
      `${
        new Date(c.startedAt * 1000).toISOString()
      } demo-host ${c.unit}[1]: container ${c.name} running\n`
    );
    const r: CommandResult = {
      code: 0,
      stdout: new TextEncoder().encode(lines.slice(-n).join("")),
      stderr: "",
    };
    return Promise.resolve(r);
  };
}

/** A test host whose config has a [serve] table, served on a free loopback port (port 0). */
export async function served(dir: string, opts: ServedOptions = {}): Promise<Served> {
  const pre = opts.pre ?? "";
  const files = { ...await exampleFiles(), ...opts.files };
  const config = "gitops/demo-host/config.yml";
  if (pre !== "") {
    files[config] = files[config]!.replace("  script: |\n", `  script: |\n    ${pre}\n`);
  }
  const host = await makeHost(dir, files);
  await Deno.writeTextFile(`${dir}/webhook.secret`, `${SECRET}\n`);
  await Deno.writeTextFile(
    host.configPath,
    `\n[serve]\ninterval = "0"\nbody_limit = 65536\n` +
      `webhook_secret_file = "${dir}/webhook.secret"\n${opts.serveToml ?? ""}`,
    { append: true },
  );
  const cfg = parseConfig(await Deno.readTextFile(host.configPath), host.configPath, {
    hostname: "test-machine",
    uid: 1000,
    home: host.home,
    env: {},
  });
  const deps = await buildDeps(cfg, withFakeJournal(host.fake));
  const abort = new AbortController();
  let listening!: (port: number) => void;
  const up = new Promise<number>((r) => (listening = r));
  // port 0: the kernel hands serve a free port as it binds, and onListen says which (a port
  // probed free and bound later could be taken in between)
  const serveConfig = { ...cfg.serve, hostname: "127.0.0.1", port: 0, ...opts.override };
  const running = serve(deps, cfg, serveConfig, {
    signal: abort.signal,
    onListen: (at) => listening(at.port),
  });
  const port = await Promise.race([
    up,
    running.then(() => Promise.reject(new Error("hoist serve stopped before it listened"))),
  ]);
  const url = `${serveConfig.tls === undefined ? "http" : "https"}://127.0.0.1:${port}`;
  const client = opts.caCert === undefined
    ? undefined
    : Deno.createHttpClient({ caCerts: [await Deno.readTextFile(opts.caCert)] });
  const s: Served = {
    host,
    url,
    async stop() {
      abort.abort();
      await running;
      client?.close();
    },
    done: (id) =>
      waitFor(`run ${id}`, async () => {
        const r = await fetch(`${url}/runs/${id}`, client === undefined ? {} : { client });
        const v = await r.json() as Record<string, unknown>;
        return v.state === "done" ? v : undefined;
      }),
  };
  await s.done("r1"); // the run at start
  return s;
}
