/**
 * {@link remoteApi}: `hoist serve`'s `/api/v1/…` endpoints as one `Request → Response` function
 * over a {@link RemoteApp} (tested with Request objects, no socket). Every request is recorded,
 * refused or not, with its principal (the key's fingerprint and comment once the signature
 * verified), operation, service, status and reason. Nothing runs for a request that is refused:
 * path, method and query are checked first (400/404/405), then the body's size (413), then the
 * signature and the key's scope (401/403), then that the service exists (404).
 *
 * A service that runs as another account (`user =`) is acted on through that account: its
 * podman for `ps`, its user manager's journal for `logs`, its user manager for `start`, `stop` and
 * `restart` ({@link RemoteApp.manager}); when the account cannot be reached here the answer is 409
 * and nothing runs.
 *
 * @module
 */
import type { PodmanInspect, ServiceContainer } from "../adapters/podman_inspect.ts";
import type { Journal } from "../adapters/journal.ts";
import type { SshSign } from "../adapters/ssh_sign.ts";
import { HoistError, oneLine } from "../errors.ts";
import { readBody } from "../server/read_body.ts";
import type { RemoteRecord, RemoteStore } from "../state/remote_store.ts";
import { type ApiRequest, parseApi, type RemoteOp } from "./api_request.ts";
import { authenticateRemote, type Principal, principalName } from "./authenticate.ts";
import type { NonceLog } from "./nonces.ts";
import type { RemoteKey } from "./repo_keys.ts";

/** A service of the last run, as the API needs it. */
export type ApiService =
  | {
    readonly kind: "ready";
    /** The systemd units of all its quadlets (for logs). */
    readonly units: readonly string[];
    /** The units hoist starts (for start, stop, restart). */
    readonly entry: readonly string[];
    readonly hash: string;
    /** The account it runs as (`user =`); absent: hoist's own manager. */
    readonly user?: string;
  }
  | {
    readonly kind: "blocked";
    readonly reason: string;
    /** The account its running units belong to, as the inventory says; absent: hoist's own. */
    readonly user?: string;
  };

/** What acts on a service's units: hoist's own manager, journal and podman, or an account's. */
export interface ServiceManager {
  readonly podman: PodmanInspect;
  readonly journal: Journal;
  /** systemctl start/stop/restart of `units`. */
  control(verb: "start" | "stop" | "restart", units: readonly string[]): Promise<void>;
}

/** The manager of a service, or why it cannot be acted for here. */
export type ManagerLookup =
  | { readonly ok: true; readonly value: ServiceManager }
  | { readonly ok: false; readonly reason: string };

/** What a host-wide run gave. */
export type ApiRun =
  | { readonly ok: true; readonly body: Record<string, unknown> }
  | { readonly ok: false; readonly reason: string };

/** What the handler works with. */
export interface RemoteApp {
  /** The keys of the last verified fetch and `[remote] admin_keys`. */
  keys(): readonly RemoteKey[];
  readonly nonces: NonceLog;
  readonly verify: SshSign["verify"];
  readonly bodyLimit: number;
  /** A service of the last run's desired state; undefined when there is none of that name. */
  service(name: string): ApiService | undefined;
  /** hoist's own manager (`user` undefined) or the account's, for a service running as `user`. */
  manager(user: string | undefined): Promise<ManagerLookup>;
  /** A dry run, under the run lock. */
  plan(): Promise<ApiRun>;
  /** A run on the server's queue, waited for. */
  apply(): Promise<ApiRun>;
  /** `hoist update SERVICE`: pull its images, restart it when one changed. */
  pull(service: string): Promise<ApiRun>;
  readonly store: Pick<RemoteStore, "record" | "stop" | "unstop">;
  now(): Date;
}

interface Facts {
  op: RemoteOp | "";
  service: string;
  principal?: Principal;
}

/** Answers one `/api/v1/…` request. */
export async function remoteApi(req: Request, app: RemoteApp): Promise<Response> {
  const url = new URL(req.url);
  const parsed = parseApi(req.method, url.pathname, url.searchParams);
  if (!parsed.ok) {
    await req.body?.cancel().catch(() => {});
    const facts: Facts = { op: parsed.op ?? "", service: parsed.service ?? "" };
    return done(app, facts, parsed.status, { reason: parsed.reason }, parsed.allow);
  }
  const ask = parsed.value;
  const facts: Facts = {
    op: ask.op,
    service: ask.target.kind === "service" ? ask.target.service : "",
  };
  const body = await readBody(req, app.bodyLimit);
  if (!body.ok) return done(app, facts, body.status, { reason: body.reason });
  const auth = await authenticateRemote(
    {
      method: req.method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: body.bytes,
    },
    ask.target,
    { keys: app.keys(), nonces: app.nonces, verify: app.verify, nowMs: app.now().getTime() },
  );
  if (auth.principal !== undefined) facts.principal = auth.principal;
  if (!auth.ok) return done(app, facts, auth.status, { reason: auth.reason });
  try {
    const [status, answer] = await perform(app, ask, auth.principal);
    return done(app, facts, status, answer);
  } catch (e) {
    if (!(e instanceof HoistError)) throw e;
    return done(app, facts, 502, { reason: oneLine(e.message.split("\n")[0] ?? e.code) });
  }
}

type Answer = readonly [number, Record<string, unknown>];

async function perform(app: RemoteApp, ask: ApiRequest, principal: Principal): Promise<Answer> {
  const who = principalName(principal);
  if (ask.target.kind === "host") {
    if (ask.op === "ping") return [200, { pong: true, principal: who }];
    const run = ask.op === "plan" ? await app.plan() : await app.apply();
    return run.ok ? [200, run.body] : [502, { reason: run.reason }];
  }
  const name = ask.target.service;
  const service = app.service(name);
  if (service === undefined) return [404, { reason: `no service ${name} on this host` }];
  if (ask.op === "ping") return [200, { pong: true, principal: who, service: name }];
  if (ask.op === "pull") {
    const run = await app.pull(name);
    if (!run.ok) return [502, { reason: run.reason }];
    // a pull that restarted the service started it: a recorded stop no longer holds
    if (run.body.restarted === true) app.store.unstop(name);
    return [200, { service: name, ...run.body }];
  }
  const account = service.user === undefined ? {} : { user: service.user };
  if (ask.op === "ps") {
    const at = await app.manager(service.user);
    if (!at.ok) return [409, { reason: unreachable(name, service.user, at.reason) }];
    // by its units when the deployed commit says them: not another hoist's service of that name
    const containers: ServiceContainer[] = await at.value.podman.containers(
      name,
      service.kind === "ready" ? service.units : undefined,
    );
    return [200, { service: name, ...account, containers }];
  }
  if (service.kind === "blocked") {
    return [409, { reason: `${name} is blocked in the deployed commit: ${service.reason}` }];
  }
  const at = await app.manager(service.user);
  if (!at.ok) return [409, { reason: unreachable(name, service.user, at.reason) }];
  const manager = at.value;
  if (ask.op === "logs") {
    const logs = await manager.journal.logs(service.units, {
      tail: ask.tail ?? 200,
      ...(ask.since === undefined ? {} : { since: ask.since }),
    });
    return [200, { service: name, ...account, units: service.units, ...logs }];
  }
  const verb = ask.op as "start" | "stop" | "restart";
  if (verb !== "stop") {
    await manager.control(verb, service.entry);
    app.store.unstop(name);
    return [200, { service: name, ...account, units: service.entry, done: verb }];
  }
  // recorded before the units stop, so a run that starts meanwhile already leaves them down; a
  // stop that fails is no stop
  app.store.stop({
    service: name,
    hash: service.hash,
    principal: who,
    at: app.now().toISOString(),
  });
  try {
    await manager.control("stop", service.entry);
  } catch (e) {
    app.store.unstop(name);
    throw e;
  }
  return [200, { service: name, ...account, units: service.entry, done: verb }];
}

/** Why `name` cannot be acted on: the manager it runs for is out of reach. */
function unreachable(name: string, user: string | undefined, reason: string): string {
  return user === undefined ? `${name}: ${reason}` : `${name} runs as ${user}: ${reason}`;
}

function done(
  app: RemoteApp,
  facts: Facts,
  status: number,
  answer: Record<string, unknown>,
  allow?: string,
): Response {
  const ok = status < 300;
  const record: RemoteRecord = {
    at: app.now().toISOString(),
    fingerprint: facts.principal?.fingerprint ?? "",
    comment: facts.principal?.comment ?? "",
    op: facts.op,
    service: facts.service,
    status,
    result: ok ? "ok" : status === 502 || status === 409 ? "failed" : "refused",
    reason: ok ? "" : String(answer.reason ?? ""),
  };
  app.store.record(record);
  const body = {
    status: ok ? "ok" : record.result,
    op: facts.op,
    ...(facts.service === "" ? {} : { service: facts.service }),
    ...(facts.principal === undefined ? {} : { principal: principalName(facts.principal) }),
    ...answer,
  };
  return new Response(JSON.stringify(body) + "\n", {
    status,
    headers: { "content-type": "application/json", ...(allow ? { allow } : {}) },
  });
}
