/**
 * Run outcomes for the notification tests, made by the real pure pipeline: a desired state read
 * from an in-memory repository (tests/reconcile/helpers.ts), reconciled against a host, and an
 * apply result where chosen services' steps failed. No I/O.
 *
 * @module
 */
import { type Config, parseConfig } from "../../lib/config/load_config.ts";
import { HoistError } from "../../lib/errors.ts";
import type { ActionRecord } from "../../lib/reconcile/records.ts";
import { actionService, actionTarget } from "../../lib/reconcile/types.ts";
import type { RunResult } from "../../lib/run/run_result.ts";
import type { Outcome } from "../../lib/run/outcome.ts";
import {
  configYml,
  deployed,
  desiredFrom,
  emptyHost,
  type FakeObserved,
  manifest,
  plan,
} from "../reconcile/helpers.ts";

/** Commit ids of the test repository. */
export const REV1 = "1111111111111111111111111111111111111111";
export const REV2 = "2222222222222222222222222222222222222222";

/** The agent config of host h1 with one source and the given extra TOML (e.g. [[notify]]). */
export function testConfig(extra = ""): Config {
  return parseConfig(
    `host = "h1"\nmode = "user"\n[source]\nurl = "/srv/gitops.git"\n${extra}`,
    "/etc/hoist/config.toml",
    { hostname: "h1", uid: 1000, home: "/home/u", env: {} },
  );
}

/** The repository: web and db, or what `files` says instead. */
export function repo(
  files: Record<string, string> = {},
): Record<string, string> {
  return {
    "config.yml": configYml(["db", "web"]),
    "web/manifest.yml": manifest("docker.io/library/nginx:1.27"),
    "db/manifest.yml": manifest("docker.io/library/postgres:17"),
    ...files,
  };
}

/** How the run went on the host. */
export interface RunSpec {
  readonly files?: Record<string, string>;
  readonly revision?: string;
  /** The host before the run: empty, or everything of `files` at `revision` deployed and up. */
  readonly host?: "empty" | "deployed";
  /** Services whose start/restart fails. */
  readonly failStart?: readonly string[];
  /** The daemon-reload fails (so every step after it is skipped). */
  readonly failReload?: boolean;
  /** Signer recorded for the commit. */
  readonly signer?: string;
}

/** A real apply's outcome for `spec`. */
export function applied(spec: RunSpec = {}): Outcome<RunResult> {
  const revision = spec.revision ?? REV1;
  const files = repo(spec.files);
  const desired = desiredFrom(files, revision);
  const observed: FakeObserved = spec.host === "deployed" ? deployed(desired) : emptyHost();
  const p = plan(desired, observed);
  let failed = false;
  const actions: ActionRecord[] = p.actions.map((a) => {
    const service = actionService(a) ?? "";
    const base = { kind: a.kind, service, unit: actionTarget(a), reason: a.reason };
    const fails = (a.kind === "daemon-reload" && spec.failReload === true) ||
      ((a.kind === "start" || a.kind === "restart") && spec.failStart?.includes(service));
    if (failed && a.kind !== "write" && a.kind !== "copy") return { ...base, result: "skipped" };
    if (fails) {
      failed = true;
      return {
        ...base,
        result: "failed",
        error: a.kind === "daemon-reload"
          ? "systemctl --user daemon-reload: Failed to reload daemon: Access denied"
          : `systemctl --user ${a.kind} ${base.unit}: Job for ${base.unit} failed`,
      };
    }
    return { ...base, result: "ok" };
  });
  const config = testConfig();
  const source = config.sources[0]!;
  const signer = spec.signer ?? "alice@example.org";
  return {
    ok: true,
    value: {
      plan: p,
      desired,
      observed,
      fetched: [{
        source,
        verdict: {
          source: source.name,
          commits: { main: revision },
          signers: { main: signer },
          verdict: "trusted",
          checked: 1,
        },
        loadTrees: () =>
          Promise.resolve({ kind: "host-folders", tree: { revision, entries: new Map() } }),
        records: [{ source: "main", branch: "main", commit: revision, signer, policy: "p" }],
        changed: true,
      }],
      ...(p.blocked ? {} : {
        applied: {
          actions,
          inventory: { upsertUnits: [], deleteUnits: [], upsertServices: [], deleteServices: [] },
          failed,
        },
      }),
    },
  };
}

/** A run that stopped with `code` before a plan existed. */
export function stopped(code: HoistError["code"], message: string): Outcome<RunResult> {
  return { ok: false, error: new HoistError(code, message) };
}
