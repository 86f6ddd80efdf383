/**
 * The last update check of each image, as recorded in `state_dir/image_checks.json`, and what
 * `hoist plan` says about it. Pure: the caller reads and writes the file.
 *
 * @module
 */
import type { DesiredState } from "../desired/types.ts";
import { type Problem, problem } from "../errors.ts";
import { unitImages } from "./unit_images.ts";
import { policyRefusal, refPolicy, type UpdatePolicy, writtenPolicy } from "./update_policy.ts";

/** One image of one service, checked against its registry. */
export interface ImageCheck {
  readonly service: string;
  readonly image: string;
  readonly policy: UpdatePolicy;
  /** The digest the local image was pulled by (undefined: none recorded, e.g. a local build). */
  readonly local?: string;
  /** What the registry's tag names now. */
  readonly remote?: string;
  /** Why it could not be checked (no credential in it). */
  readonly error?: string;
  /** ISO time of the check. */
  readonly at: string;
}

/** The file's content. */
export interface ImageChecks {
  /** ISO time of the last scheduled check of `auto` services (absent: none yet). */
  readonly autoCheckedAt?: string;
  readonly checks: readonly ImageCheck[];
}

/** True when the registry names another image than the local one. */
export function updateAvailable(c: ImageCheck): boolean {
  return c.remote !== undefined && c.local !== c.remote;
}

/** Parses the file; a missing or unreadable one is no checks. */
export function parseImageChecks(text: string | undefined): ImageChecks {
  if (text === undefined) return { checks: [] };
  try {
    const v = JSON.parse(text) as Partial<ImageChecks>;
    const checks = Array.isArray(v.checks)
      ? v.checks.filter((c): c is ImageCheck =>
        typeof c === "object" && c !== null && typeof c.service === "string" &&
        typeof c.image === "string" && typeof c.at === "string"
      )
      : [];
    return typeof v.autoCheckedAt === "string"
      ? { autoCheckedAt: v.autoCheckedAt, checks }
      : { checks };
  } catch {
    return { checks: [] };
  }
}

/** `prev` with `checks` replacing those of the same service and image; sorted, stable text. */
export function mergeImageChecks(
  prev: ImageChecks,
  checks: readonly ImageCheck[],
  autoCheckedAt?: string,
): ImageChecks {
  const key = (c: ImageCheck) => `${c.service}\0${c.image}`;
  const byKey = new Map(prev.checks.map((c) => [key(c), c]));
  for (const c of checks) byKey.set(key(c), c);
  const sorted = [...byKey.values()].sort((a, b) => key(a) < key(b) ? -1 : 1);
  const at = autoCheckedAt ?? prev.autoCheckedAt;
  return at === undefined ? { checks: sorted } : { autoCheckedAt: at, checks: sorted };
}

/** `sha256:0123456789ab…`. */
export function shortDigest(d: string | undefined): string {
  return d === undefined ? "none" : `${d.slice(0, 19)}…`;
}

/**
 * Plan warnings for the services of `current` (service → the images it runs now) whose last
 * check found an update: "image update available: REF (sha256:ab… → sha256:cd…)", with the
 * command that applies it. Checks of images a service no longer runs are ignored.
 *
 * @example
 * ```ts
 * updateNotes(checks, new Map([["web", ["ghcr.io/acme/web:1"]]]))[0]?.message;
 * // "web: image update available: ghcr.io/acme/web:1 (sha256:0123456789ab… → sha256:fedcba987654…)"
 * ```
 */
export function updateNotes(
  checks: ImageChecks,
  current: ReadonlyMap<string, readonly string[]>,
): Problem[] {
  return checks.checks.filter((c) =>
    c.policy !== "pinned" && updateAvailable(c) && current.get(c.service)?.includes(c.image)
  ).map((c) =>
    problem(
      "warning",
      `${c.service}: image update available: ${c.image} (${shortDigest(c.local)} → ${
        shortDigest(c.remote)
      }), checked ${c.at}`,
      {
        service: c.service,
        hint: c.policy === "auto"
          ? `It is applied at the next scheduled check, or now with hoist update ${c.service}`
          : `Apply it with hoist update ${c.service}`,
      },
    )
  );
}

/**
 * `desired` with the plan's image notes among its problems: each update the last check found for
 * a `manual`/`auto` service ({@link updateNotes}), and a warning for each short name under `auto`
 * (which the scheduled check refuses), at the service.
 */
export function withImageNotes(desired: DesiredState, checks: ImageChecks): DesiredState {
  const current = new Map<string, string[]>();
  const refused: Problem[] = [];
  for (const s of desired.services) {
    if (s.status !== "ready") continue;
    const refs = unitImages(s.units).map((i) => i.ref);
    current.set(s.name, refs);
    for (const text of refs) {
      const r = refPolicy(writtenPolicy(s, text), text);
      const why = typeof r === "string" ? undefined : policyRefusal(r.policy, r.ref);
      if (why !== undefined) {
        refused.push(problem("warning", `${s.name}: ${why}`, {
          service: s.name,
          hint: "Until then the scheduled check leaves this image alone",
        }));
      }
    }
  }
  const notes = [...updateNotes(checks, current), ...refused];
  return notes.length === 0 ? desired : { ...desired, problems: [...desired.problems, ...notes] };
}
