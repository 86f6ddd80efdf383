/**
 * The one entry point of notifications: {@link notifyRun} after a recorded run (hoist apply, each
 * run of hoist serve), {@link notifyTest} for `hoist notify test`. Neither ever throws into the
 * run: every failure is logged and returned in the {@link DeliveryReport}, and the time they take
 * is bounded (per sink: one message's retries, then the rest of that sink's messages wait for the
 * next run; sinks are served side by side).
 *
 * @module
 */
import {
  type DeliveryOptions,
  type DeliveryResult,
  type HttpMessage,
  postMessage,
} from "../adapters/notify_http.ts";
import { type MailMessage, sendMail, type SmtpOptions } from "../adapters/notify_email.ts";
import type { Config } from "../config/load_config.ts";
import type { NotifySink } from "../config/notify_config.ts";
import type { Deps } from "../deps.ts";
import { HoistError, oneLine } from "../errors.ts";
import { logger } from "../log.ts";
import type { RunResult } from "../run/run_result.ts";
import type { Outcome } from "../run/outcome.ts";
import { webhookSecret } from "../server/webhook_auth.ts";
import { openNotifyStore } from "../state/notify_store.ts";
import { deriveEvents, INITIAL_STATE, type NotifyEvent } from "./events.ts";
import type { NotifyStore, ThrottleKey } from "./notify_store_types.ts";
import { type Message, renderMessage } from "./render_message.ts";
import { sinkFilter } from "./sink_filter.ts";
import { gotifyRequest, mailMessage, ntfyRequest, webhookRequest } from "./sink_requests.ts";
import { throttle, type ThrottleRow } from "./throttle.ts";

const log = logger("notify");

/** What notifications need from the host; {@link notifyDeps} builds the real ones. */
export interface NotifyDeps {
  /** Opened once per call and closed after it. */
  readonly openStore: () => NotifyStore;
  /** A secret file's text (one trailing newline dropped); throws when it cannot be read. */
  readonly readSecret: (path: string) => Promise<string>;
  readonly post: (msg: HttpMessage, opts: DeliveryOptions) => Promise<DeliveryResult>;
  readonly mail: (
    smtp: SmtpOptions,
    mail: MailMessage,
    opts: DeliveryOptions,
  ) => Promise<DeliveryResult>;
  readonly sleep: (ms: number) => Promise<void>;
  /** Per attempt (default 5 s). */
  readonly timeoutMs: number;
  /** Before the first retry; the second waits three times as long (default 1 s). */
  readonly backoffMs: number;
}

/** One message hoist tried to send, or skipped. */
export interface Delivery {
  readonly sink: string;
  readonly kind: NotifyEvent["kind"];
  readonly service?: string;
  /** `sent`; `failed` after its attempts; `skipped`: an earlier message to the sink failed. */
  readonly result: "sent" | "failed" | "skipped";
  readonly attempts: number;
  readonly error?: string;
}

/** What one call did. */
export interface DeliveryReport {
  readonly events: readonly NotifyEvent[];
  readonly deliveries: readonly Delivery[];
  /** Messages the throttle held back (counted for the next one of their key). */
  readonly suppressed: number;
  /** Failures not tied to one message (the state file). */
  readonly errors: readonly string[];
}

/** Retries after the first attempt. */
const RETRIES = 2;

/** The real notification adapters, the store at `state_dir/notify.db`. */
export function notifyDeps(deps: Deps, config: Config): NotifyDeps {
  return {
    openStore: () => openNotifyStore(`${config.stateDir}/notify.db`),
    readSecret: async (path) => {
      const text = await deps.fs.readText(path);
      if (text === undefined) throw new Error("no such file");
      return text.replace(/\r?\n$/, "");
    },
    post: postMessage,
    mail: sendMail,
    sleep: deps.sleep,
    timeoutMs: 5000,
    backoffMs: 1000,
  };
}

/**
 * Derives the events of `outcome` (a real apply's: not a dry run), throttles them per sink and
 * sends what is due. Call it after the run is recorded and its lock released.
 *
 * @example
 * ```ts
 * const outcome = await runApply(deps, config, opts);
 * const report = await notifyRun(notifyDeps(deps, config), config, outcome, deps.clock());
 * ```
 */
export function notifyRun(
  nd: NotifyDeps,
  config: Config,
  outcome: Outcome<RunResult>,
  now: Date,
): Promise<DeliveryReport> {
  return send(nd, config, now, (s) => decide(s, config, outcome, now));
}

/**
 * Throttles `events` (made elsewhere: `hoist serve`'s remote operations) per sink and sends what
 * is due, as {@link notifyRun} does for a run's; the run state (failing, held back) is left alone.
 * `keyOf` names what the throttle counts together besides sink and kind (default: the service).
 */
export function notifyEvents(
  nd: NotifyDeps,
  config: Config,
  events: readonly NotifyEvent[],
  now: Date,
  keyOf?: (event: NotifyEvent) => string,
): Promise<DeliveryReport> {
  return send(nd, config, now, (s) => dueSends(s, config, events, now, keyOf));
}

async function send(
  nd: NotifyDeps,
  config: Config,
  now: Date,
  pick: (s: NotifyStore) => { events: readonly NotifyEvent[]; sends: Due[]; suppressed: number },
): Promise<DeliveryReport> {
  if (config.notify.length === 0) return { events: [], deliveries: [], suppressed: 0, errors: [] };
  let store: NotifyStore | undefined;
  try {
    const s = store = nd.openStore();
    const due = s.transaction(() => pick(s));
    const deliveries = await deliverAll(nd, config, due.sends);
    const skipped = due.sends.filter((_, i) => deliveries[i]?.result === "skipped");
    s.transaction(() => {
      for (const m of skipped) s.setRow(m.key, heldBack(m.previous, now.getTime()));
    });
    for (const d of deliveries) {
      if (d.result === "skipped") continue;
      s.logDelivery({
        at: now.toISOString(),
        sink: d.sink,
        kind: d.kind,
        service: d.service ?? "",
        ok: d.result === "sent",
        ...(d.error === undefined ? {} : { error: d.error }),
      });
    }
    return { events: due.events, deliveries, suppressed: due.suppressed, errors: [] };
  } catch (e) {
    const error = e instanceof HoistError ? e.message : `unexpected: ${String(e)}`;
    log.warn("notifications not sent: {error}", { error });
    return { events: [], deliveries: [], suppressed: 0, errors: [error] };
  } finally {
    store?.close();
  }
}

/**
 * Sends a test message to `sinkName` (or every sink), unthrottled, recording nothing.
 * Throws `usage` for an unknown sink name or when no sink is configured.
 */
export async function notifyTest(
  nd: NotifyDeps,
  config: Config,
  sinkName: string | undefined,
  now: Date,
): Promise<DeliveryReport> {
  const sinks = sinkName === undefined
    ? config.notify
    : config.notify.filter((s) => s.name === sinkName);
  if (sinks.length === 0) {
    throw new HoistError(
      "usage",
      config.notify.length === 0
        ? `${config.file}: no [[notify]] sink is configured`
        : `no sink named ${JSON.stringify(oneLine(sinkName ?? ""))}`,
      config.notify.length === 0
        ? 'Add one, e.g.\n[[notify]]\ntype = "ntfy"\nurl = "https://ntfy.sh"\ntopic = "my-hoist"'
        : `Sinks: ${config.notify.map((s) => s.name).join(", ")}`,
    );
  }
  const event: NotifyEvent = {
    kind: "deployed",
    host: config.host,
    at: now.toISOString(),
    summary:
      `a test message from hoist notify test on ${config.host}: notifications reach you here`,
  };
  const sends = sinks.map((sink) => ({
    sink,
    message: { event, title: `hoist on ${config.host}: test message`, body: event.summary },
  }));
  const deliveries = await deliverAll(nd, { ...config, notify: sinks }, sends, true);
  return { events: [event], deliveries, suppressed: 0, errors: [] };
}

/**
 * Reads every sink's token, secret, password and CA file now, as a start-up check (`hoist serve`
 * can refuse to start, as it does for its webhook secret): one line per file that cannot be read
 * or is empty, naming the config file's line and the key.
 */
export async function notifyFileProblems(nd: NotifyDeps, config: Config): Promise<string[]> {
  const problems = await Promise.all(
    config.notify.map((sink) =>
      sinkSecrets(nd, sink).then(
        () => undefined,
        (e: Error) => `notify sink ${sink.name}: ${e.message}`,
      )
    ),
  );
  return problems.filter((p): p is string => p !== undefined);
}

/** A message that is due, with what its throttle row was before. */
interface Due {
  readonly sink: NotifySink;
  readonly message: Message;
  readonly key: ThrottleKey;
  readonly previous: ThrottleRow | undefined;
}

function decide(store: NotifyStore, config: Config, outcome: Outcome<RunResult>, now: Date) {
  const { events, state } = deriveEvents(config, outcome, store.state() ?? INITIAL_STATE, {
    fetchFailures: Math.min(...config.notify.map((s) => s.fetchFailures)),
    at: now.toISOString(),
  });
  store.setState(state);
  return dueSends(store, config, events, now);
}

/** The messages of `events` each sink is due to get now, after its throttle. */
function dueSends(
  store: NotifyStore,
  config: Config,
  events: readonly NotifyEvent[],
  now: Date,
  keyOf: (event: NotifyEvent) => string = (e) => e.service ?? e.source ?? "",
) {
  const sends: Due[] = [];
  let suppressed = 0;
  for (const sink of config.notify) {
    for (const event of events.filter(sinkFilter(sink))) {
      const key = {
        sink: sink.name,
        service: keyOf(event),
        kind: event.kind,
      };
      const previous = store.row(key);
      const d = throttle(previous, now.getTime(), sink.windowMs);
      store.setRow(key, d.row);
      if (!d.send) {
        suppressed++;
        continue;
      }
      const message = renderMessage(event, sink.templates[event.kind], d.suppressed);
      sends.push({ sink, message, key, previous });
    }
  }
  return { events, sends, suppressed };
}

/** A message that was due but not tried: counted as held back, so the next one tells of it. */
function heldBack(previous: ThrottleRow | undefined, now: number): ThrottleRow {
  return {
    lastSent: previous?.lastSent ?? 0,
    suppressed: (previous?.suppressed ?? 0) + 1,
    since: previous?.since ?? now,
  };
}

/** Sends each message; sinks side by side, one sink's messages in order. Results in input order. */
async function deliverAll(
  nd: NotifyDeps,
  config: Config,
  sends: readonly { sink: NotifySink; message: Message }[],
  test = false,
): Promise<Delivery[]> {
  const results: Delivery[] = new Array(sends.length);
  await Promise.all(config.notify.map(async (sink) => {
    const mine = sends.flatMap((s, i) => s.sink === sink ? [i] : []);
    if (mine.length === 0) return;
    // why the sink is not tried further in this run
    let down: string | undefined;
    const secrets = await sinkSecrets(nd, sink).catch((e: Error) => {
      down = e.message;
      return undefined;
    });
    for (const [n, i] of mine.entries()) {
      const m = sends[i]!.message;
      const base = {
        sink: sink.name,
        kind: m.event.kind,
        ...(m.event.service === undefined ? {} : { service: m.event.service }),
      };
      const fields = { ...base, service: base.service ?? "-" };
      if (down !== undefined && (secrets !== undefined || n > 0)) {
        results[i] = { ...base, result: "skipped", attempts: 0 };
        continue;
      }
      if (secrets === undefined || down !== undefined) {
        const error = down ?? "";
        results[i] = { ...base, result: "failed", attempts: 0, error };
        log.warn("notify {sink}: {kind} {service} not sent: {error}", { ...fields, error });
        continue;
      }
      const r = await deliver(nd, config, sink, secrets, test ? { ...m, test: true } : m);
      if (r.ok) {
        results[i] = { ...base, result: "sent", attempts: r.attempts };
        log.info("notify {sink}: {kind} {service} sent", fields);
      } else {
        results[i] = { ...base, result: "failed", attempts: r.attempts, error: r.error };
        down = r.error;
        log.warn("notify {sink}: {kind} {service} not sent after {attempts} attempt(s): {error}", {
          ...fields,
          attempts: r.attempts,
          error: r.error,
        });
      }
    }
  }));
  return results;
}

/** A sink's secrets, read when it sends (a rotated token is picked up by the next run). */
interface SinkSecrets {
  readonly token?: string;
  readonly hmac?: Awaited<ReturnType<typeof webhookSecret>>;
  readonly password?: string;
  readonly ca?: string;
}

async function sinkSecrets(nd: NotifyDeps, sink: NotifySink): Promise<SinkSecrets> {
  const read = async (key: string, path: string | undefined) => {
    if (path === undefined) return undefined;
    const text = await nd.readSecret(path).catch((e) => {
      throw new Error(
        `${sink.keyPlaces[key] ?? sink.place}: ${key} ${path} cannot be read: ${
          oneLine(e instanceof Error ? e.message : String(e))
        }`,
      );
    });
    if (text.trim() === "") {
      throw new Error(`${sink.keyPlaces[key] ?? sink.place}: ${key} ${path} is empty`);
    }
    return text;
  };
  switch (sink.type) {
    case "webhook": {
      const secret = await read("secret_file", sink.secretFile);
      return secret === undefined
        ? {}
        : { hmac: await webhookSecret(new TextEncoder().encode(secret)) };
    }
    case "ntfy": {
      const token = await read("token_file", sink.tokenFile);
      return token === undefined ? {} : { token: token.trim() };
    }
    case "gotify":
      return { token: (await read("token_file", sink.tokenFile) ?? "").trim() };
    case "email": {
      const password = await read("password_file", sink.passwordFile);
      const ca = await read("ca_file", sink.caFile);
      return {
        ...(password === undefined ? {} : { password }),
        ...(ca === undefined ? {} : { ca }),
      };
    }
  }
}

async function deliver(
  nd: NotifyDeps,
  config: Config,
  sink: NotifySink,
  secrets: SinkSecrets,
  m: Message,
): Promise<DeliveryResult> {
  const opts = {
    timeoutMs: nd.timeoutMs,
    retries: RETRIES,
    backoffMs: nd.backoffMs,
    sleep: nd.sleep,
  };
  switch (sink.type) {
    case "webhook":
      return nd.post(await webhookRequest(sink, m, secrets.hmac), opts);
    case "ntfy":
      return nd.post(ntfyRequest(sink, m, secrets.token), opts);
    case "gotify":
      return nd.post(gotifyRequest(sink, m, secrets.token ?? ""), opts);
    case "email":
      return nd.mail(
        {
          host: sink.host,
          port: sink.port,
          security: sink.security,
          ...(sink.user === undefined || secrets.password === undefined
            ? {}
            : { auth: { user: sink.user, pass: secrets.password } }),
          ...(secrets.ca === undefined ? {} : { ca: secrets.ca }),
          clientName: config.host,
        },
        mailMessage(sink.from, sink.to, m),
        opts,
      );
  }
}
