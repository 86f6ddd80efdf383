/**
 * `hoist serve`: the long-running process. Listens (`Deno.serve`) with {@link handle}, reconciles
 * on webhooks and on a schedule through the same `runApply` as `hoist apply` (and under the same
 * lock, so a timer run and the server never run at once), and stops gracefully: on SIGTERM or
 * SIGINT it stops listening, cancels the pending follow-up, lets the running reconcile finish and
 * returns.
 *
 * @module
 */
import type { Config } from "../config/load_config.ts";
import type { ServeConfig } from "../config/serve_config.ts";
import type { Deps } from "../deps.ts";
import { HoistError } from "../errors.ts";
import { logger } from "../log.ts";
import { remoteApp, type RemoteState } from "../remote/remote_app.ts";
import { planJson } from "../render/plan_json.ts";
import { runApply } from "../run/apply_run.ts";
import type { RunResult } from "../run/run_result.ts";
import type { Outcome } from "../run/outcome.ts";
import { openDeliveryStore } from "../state/delivery_store.ts";
import { openRemoteStore, remoteDbPath, type RemoteRecord } from "../state/remote_store.ts";
import { remoteEvent } from "../notify/remote_event.ts";
import { DeliveryLog } from "./deliveries.ts";
import { Metrics } from "./metrics.ts";
import { handle, type ServerApp } from "./routes.ts";
import { type RunFacts, runFacts } from "./run_facts.ts";
import { RunQueue, type RunRequest, type RunSummary } from "./run_queue.ts";
import { type LastRun, statusView } from "./status_view.ts";
import { type WebhookSecret, webhookSecret } from "./webhook_auth.ts";

const log = logger("serve");

/** How long a run waits for the lock (a timer-run apply may hold it). */
const LOCK_WAIT_MS = 10 * 60_000;

/** What the caller learns once the server listens. */
export interface Listening {
  readonly hostname: string;
  readonly port: number;
}

/** Knobs for tests and the CLI. */
export interface ServeOptions {
  /** Called once the socket listens. */
  readonly onListen?: (at: Listening) => void;
  /** Aborting stops the server as SIGTERM does. */
  readonly signal?: AbortSignal;
  /** Listen for SIGTERM/SIGINT (the CLI does; tests use `signal`). */
  readonly signals?: boolean;
}

/**
 * Serves until stopped. Throws a HoistError before listening when a secret or TLS file cannot be
 * read or the address is taken.
 */
export async function serve(
  deps: Deps,
  config: Config,
  serveConfig: ServeConfig,
  opts: ServeOptions = {},
): Promise<void> {
  const secret = serveConfig.webhookSecretFile === undefined
    ? undefined
    : await webhookSecret(await readSecret(deps, serveConfig.webhookSecretFile));
  const sourceSecrets = new Map<string, WebhookSecret>();
  for (const s of config.sources) {
    if (s.webhookSecretFile === undefined) continue;
    sourceSecrets.set(s.name, await webhookSecret(await readSecret(deps, s.webhookSecretFile)));
  }
  const tls = serveConfig.tls === undefined ? undefined : {
    cert: await readFileOrThrow(deps, serveConfig.tls.cert, "tls_cert"),
    key: await readFileOrThrow(deps, serveConfig.tls.key, "tls_key"),
  };
  if (config.notify.length > 0) {
    // a sink whose token file cannot be read is a start-up error, like the webhook secret
    const { notifyDeps, notifyFileProblems } = await import("../notify/notify_run.ts");
    const problems = await notifyFileProblems(notifyDeps(deps, config), config);
    if (problems.length > 0) {
      throw new HoistError(
        "config-invalid",
        problems.join("\n"),
        "Fix the [[notify]] files named above (hoist serve reads them at start)",
      );
    }
  }
  await deps.fs.mkdirp(config.stateDir);
  const deliveryStore = openDeliveryStore(`${config.stateDir}/webhooks.db`);
  const metrics = new Metrics("server");
  const statusLogins = serveConfig.statusAuthFile === undefined ? undefined : await loginDigests(
    await readFileOrThrow(deps, serveConfig.statusAuthFile, "status_auth_file"),
  );
  const remoteStore = openRemoteStore(remoteDbPath(config.stateDir));
  const notices = remoteNotices(deps, config);
  const remote: RemoteState = remoteApp(deps, config, {
    // every operation is recorded, counted in the metrics, and (restart, stop, start, pull by a
    // verified key) told to the [[notify]] sinks that ask for "remote"
    store: {
      ...remoteStore,
      record(r) {
        remoteStore.record(r);
        metrics.remote(r.op, r.result);
        notices.tell(r);
      },
    },
    bodyLimit: serveConfig.bodyLimit,
    plan: async () => {
      const o = await runApply(deps, config, {
        dryRun: true,
        lockTimeoutMs: LOCK_WAIT_MS,
        allowRollback: false,
      });
      return o.ok
        ? { ok: true, body: { plan: planJson(o.value.plan) } }
        : { ok: false, reason: o.error.message.split("\n")[0] ?? o.error.code };
    },
    apply: async () => {
      const e = queue.enqueue("api", []);
      if (!e.ok) return { ok: false, reason: e.reason };
      for (;;) {
        const view = queue.get(e.id);
        if (view === undefined || view.state === "cancelled") {
          return { ok: false, reason: `run ${e.id} was cancelled (hoist serve is stopping)` };
        }
        if (view.state === "done") {
          const result = view.summary?.result;
          const body = { run: e.id, url: `/runs/${e.id}`, summary: view.summary ?? null };
          return result === "error" || result === "failed"
            ? { ok: false, reason: view.summary?.message ?? "the run failed" }
            : { ok: true, body };
        }
        await deps.sleep(100);
      }
    },
    pull: async (service) => {
      const [u] = await pullAndRestart(deps, config, [service]);
      return u === undefined || u.error !== undefined
        ? { ok: false, reason: u?.error ?? "nothing was pulled" }
        : { ok: true, body: { restarted: u.restarted } };
    },
    warn: (message) => log.warn("{message}", { message }),
  });
  await remote.loadAdmin();
  let last: { facts: RunFacts; at: string } | undefined;
  let planned: LastRun | undefined;
  const queue = new RunQueue(async (request) => {
    const started = performance.now();
    const { facts, outcome } = await reconcileOnce(deps, config, request);
    // the keys and services of the commit this run fetched and verified; a failed fetch keeps
    // the previous ones
    if (outcome.ok) {
      const { fetched, desired, observed } = outcome.value;
      await remote.update(fetched, desired, observed.inventory);
    }
    const at = deps.clock();
    planned = outcome.ok
      ? { at: at.toISOString(), result: outcome.value }
      : { ...planned, at: at.toISOString(), error: outcome.error };
    metrics.run({
      trigger: request.triggers[0] ?? "api",
      facts,
      seconds: (performance.now() - started) / 1000,
      at,
    });
    last = { facts, at: at.toISOString() };
    return facts.summary;
  }, deps.clock);
  const app: ServerApp = {
    secret,
    sourceSecrets,
    sources: config.sources.map((s) => s.name),
    bodyLimit: serveConfig.bodyLimit,
    events: serveConfig.events,
    refs: serveConfig.refs,
    queue,
    deliveries: new DeliveryLog(deliveryStore, deps.clock().getTime()),
    services: () => last?.facts.services.map((s) => s.service) ?? [],
    status: () => statusView(config.host, planned, queue.recent(20), deps.clock()),
    statusLogins,
    health: () => healthOf(last, queue.busy),
    metrics,
    now: deps.clock,
    log: (message) => log.warn("{message}", { message }),
    remote: remote.app,
  };
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  opts.signal?.addEventListener("abort", onSignal);
  if (opts.signals) {
    for (const s of ["SIGTERM", "SIGINT"] as const) Deno.addSignalListener(s, onSignal);
  }
  let server: Deno.HttpServer;
  try {
    server = Deno.serve({
      hostname: serveConfig.hostname,
      port: serveConfig.port,
      ...(tls ?? {}),
      signal: stop.signal,
      onListen: (addr) => opts.onListen?.({ hostname: addr.hostname, port: addr.port }),
      onError: (e) => {
        log.error("request failed: {error}", { error: (e as Error).message });
        return new Response("internal error\n", { status: 500 });
      },
    }, (req) => handle(req, app));
  } catch (e) {
    deliveryStore.close();
    remoteStore.close();
    throw new HoistError(
      "usage",
      `cannot listen on ${serveConfig.hostname}:${serveConfig.port}: ${(e as Error).message}`,
      "Set [serve] listen to a free address:port in the agent config",
      { cause: e },
    );
  }
  queue.enqueue("start", []);
  const timer = schedule(serveConfig.intervalMs, () => queue.enqueue("schedule", []));
  try {
    await server.finished;
  } finally {
    clearInterval(timer);
    log.info("stopping: waiting for the running reconcile");
    await queue.close();
    await notices.sent();
    deliveryStore.close();
    remoteStore.close();
    if (opts.signals) {
      for (const s of ["SIGTERM", "SIGINT"] as const) Deno.removeSignalListener(s, onSignal);
    }
    opts.signal?.removeEventListener("abort", onSignal);
  }
}

/**
 * Sends the `remote` notification of each told operation, one after the other, after the answer
 * (a slow sink never delays the API); {@link sent} waits for those under way.
 */
function remoteNotices(deps: Deps, config: Config) {
  let chain = Promise.resolve();
  return {
    tell(r: RemoteRecord) {
      if (config.notify.length === 0) return;
      const event = remoteEvent(config.host, r);
      if (event === undefined) return;
      chain = chain.then(async () => {
        const { notifyDeps, notifyEvents } = await import("../notify/notify_run.ts");
        await notifyEvents(
          notifyDeps(deps, config),
          config,
          [event],
          deps.clock(),
          () => `${r.service} ${r.op} ${r.fingerprint}`,
        );
      }).catch((e) => log.warn("remote notification not sent: {error}", { error: String(e) }));
    },
    sent: () => chain,
  };
}

/** One reconcile, as `hoist apply` does it; never throws. */
async function reconcileOnce(
  deps: Deps,
  config: Config,
  request: RunRequest,
): Promise<{ facts: RunFacts; outcome: Outcome<RunResult> }> {
  log.info("run {id} ({triggers})", { id: request.id, triggers: request.triggers.join(", ") });
  const outcome = await runApply(deps, config, {
    dryRun: false,
    lockTimeoutMs: LOCK_WAIT_MS,
    allowRollback: false,
  });
  const base = runFacts(config, outcome);
  const updates = request.pull.length === 0
    ? undefined
    : await pullAndRestart(deps, config, request.pull);
  const facts = updates === undefined ? base : { ...base, summary: { ...base.summary, updates } };
  const level = facts.summary.result === "error" || facts.summary.result === "failed" ||
      updates?.some((u) => u.error !== undefined)
    ? "warn"
    : "info";
  log[level]("run {id}: {result}: {message}", { id: request.id, ...facts.summary });
  if (outcome.ok) {
    // [images] check_every: the auto services' scheduled update check, once it is due
    const { scheduledUpdateLines } = await import("../cli/update_command.ts");
    const lines = await scheduledUpdateLines(deps, config, outcome.value.desired, LOCK_WAIT_MS);
    for (const l of lines) log.warn("run {id}: {line}", { id: request.id, line: l });
  }
  if (config.notify.length > 0) {
    // loaded only when sinks are configured; bounded, never throws
    const { notifyDeps, notifyRun } = await import("../notify/notify_run.ts");
    await notifyRun(notifyDeps(deps, config), config, outcome, deps.clock());
  }
  return { facts, outcome };
}

/**
 * `/redeploy-and-update/<service>`: after the reconcile, pull the services' images and restart
 * each only when one changed (`hoist update`); what happened goes into the run's summary.
 */
async function pullAndRestart(
  deps: Deps,
  config: Config,
  services: readonly string[],
): Promise<NonNullable<RunSummary["updates"]>> {
  const { runUpdate } = await import("../run/update_run.ts");
  const outcome = await runUpdate(deps, config, services, { lockTimeoutMs: LOCK_WAIT_MS });
  if (!outcome.ok) {
    const error = outcome.error.message.split("\n")[0] ?? outcome.error.code;
    return services.map((service) => ({ service, restarted: false, error }));
  }
  return outcome.value.services.map((u) => ({
    service: u.service,
    restarted: u.restarted,
    ...(u.error === undefined ? {} : { error: u.error }),
  }));
}

/** SHA-256 of each `user:password` line of a status login file. */
async function loginDigests(text: string): Promise<Uint8Array[]> {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
  const out: Uint8Array[] = [];
  for (const line of lines) {
    if (!line.includes(":")) {
      throw new HoistError(
        "config-invalid",
        "[serve] status_auth_file: every line must be user:password",
        "One login per line, e.g. admin:a-long-random-password",
      );
    }
    out.push(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(line))));
  }
  return out;
}

/** `GET /health`: fails while the last run could not fetch or verify a source. */
function healthOf(
  last: { facts: RunFacts; at: string } | undefined,
  busy: boolean,
): { ok: boolean; [key: string]: unknown } {
  const code = last?.facts.errorCode;
  const ok = code === undefined || !(code === "source-failed" || code === "signature-untrusted" ||
    code === "rollback-refused" || code === "commit-date-refused");
  return {
    ok,
    status: ok ? "ok" : "failing",
    running: busy,
    lastRun: last === undefined ? null : { at: last.at, ...summaryJson(last.facts.summary) },
  };
}

function summaryJson(s: RunSummary): Record<string, unknown> {
  return { result: s.result, message: s.message, revision: s.revision ?? null };
}

function schedule(ms: number, tick: () => unknown): ReturnType<typeof setInterval> | undefined {
  return ms > 0 ? setInterval(tick, ms) : undefined;
}

async function readSecret(deps: Deps, path: string): Promise<Uint8Array<ArrayBuffer>> {
  const text = await readFileOrThrow(deps, path, "webhook_secret_file");
  if (text.trim() === "") {
    throw new HoistError(
      "config-invalid",
      `${path} is empty`,
      "Put the shared webhook secret in it (e.g. openssl rand -hex 32 > FILE; chmod 600 FILE)",
    );
  }
  return new TextEncoder().encode(text);
}

async function readFileOrThrow(deps: Deps, path: string, key: string): Promise<string> {
  const text = await deps.fs.readText(path).catch(() => undefined);
  if (text === undefined) {
    throw new HoistError(
      "config-missing",
      `cannot read ${path} ([serve] ${key})`,
      "Create the file, or fix the path in the agent config; hoist serve needs read access",
    );
  }
  return text;
}
