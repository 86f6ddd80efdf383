/**
 * {@link imagesToPrune}: which images hoist pulled that no hoist unit uses any more. Pure.
 *
 * Only images in hoist's own record of its pulls are ever candidates (never one hoist did not
 * pull). Per service, the images its desired units name now (each reference's newest recorded
 * pull) are kept, and so is the one recorded just before them, the previous image, for a rollback;
 * older ones, and every image of a service that left the host, are pruned unless another service
 * keeps the same image. podman refuses to remove an image a container still uses.
 *
 * @module
 */

/** One pull hoist made. */
export interface PulledImage {
  readonly ref: string;
  /** The local image id the reference named after the pull. */
  readonly id: string;
  readonly service: string;
  /** ISO time. */
  readonly at: string;
}

/**
 * The image ids to remove, sorted; `desired` is each deployed service's image references.
 *
 * @example
 * ```ts
 * imagesToPrune(pulls, new Map([["web", ["ghcr.io/acme/web:2"]]])); // ["<id of web:0>"]
 * ```
 */
export function imagesToPrune(
  pulls: readonly PulledImage[],
  desired: ReadonlyMap<string, readonly string[]>,
): string[] {
  const keep = new Set<string>();
  const all = new Set<string>();
  const services = new Set(pulls.map((p) => p.service));
  for (const service of services) {
    const mine = pulls.filter((p) => p.service === service)
      .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)); // newest first
    for (const p of mine) all.add(p.id);
    const refs = desired.get(service);
    if (refs === undefined) continue; // the service left: nothing of it is kept
    const current = new Set(
      refs.flatMap((r) => mine.find((p) => p.ref === r)?.id ?? []),
    );
    for (const id of current) keep.add(id);
    const previous = mine.find((p) => !current.has(p.id));
    if (previous !== undefined) keep.add(previous.id);
  }
  return [...all].filter((id) => !keep.has(id)).sort();
}

/** Records parsed from their file; a missing or damaged one is none. */
export function parsePulledImages(text: string | undefined): PulledImage[] {
  if (text === undefined) return [];
  try {
    const v = JSON.parse(text) as { pulls?: unknown };
    return Array.isArray(v.pulls)
      ? v.pulls.filter((p): p is PulledImage =>
        typeof p === "object" && p !== null &&
        ["ref", "id", "service", "at"].every((k) =>
          typeof (p as Record<string, unknown>)[k] === "string"
        )
      )
      : [];
  } catch {
    return [];
  }
}

/** The file's text: one record per service, reference and id (the newest), sorted. */
export function pulledImagesText(pulls: readonly PulledImage[]): string {
  const byKey = new Map<string, PulledImage>();
  for (const p of pulls) {
    const key = `${p.service}\0${p.ref}\0${p.id}`;
    const had = byKey.get(key);
    if (had === undefined || had.at < p.at) byKey.set(key, p);
  }
  const sorted = [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, p]) => p);
  return JSON.stringify({ pulls: sorted }, null, 2) + "\n";
}
