/**
 * The executor's pull step: the `pull` actions of a plan, each distinct image fetched once, a few
 * at a time, with a timeout. It decides nothing: which images, and whether only when missing,
 * is in the plan ({@link PullAction}).
 *
 * @module
 */
import type { PodmanImages } from "../adapters/podman_images.ts";
import { HoistError } from "../errors.ts";
import type { Action, PullAction } from "../reconcile/types.ts";

/** What pulling needs. */
export interface PullSettings {
  readonly images: Pick<PodmanImages, "imageId" | "pull">;
  /**
   * hoist's auth file (`--authfile`), asked for once when a batch starts (written then, so the
   * units' `REGISTRY_AUTH_FILE` finds it even when no image needs a pull).
   */
  readonly authFile: () => Promise<string | undefined>;
  readonly timeoutMs: number;
  /** How many pulls run at once. */
  readonly parallel: number;
  /** Told of each image actually pulled, with the services that wanted it (hoist's record). */
  readonly onPulled?: (ref: string, services: readonly string[]) => Promise<void>;
}

/**
 * A function that runs the pull action at an index and answers its error message (undefined: its
 * images are there). The first call starts every pull action of the consecutive run it begins
 * (reconcile() puts them together), each image once; later calls answer from that batch.
 */
export function pullRunner(
  actions: readonly Action[],
  settings: PullSettings | undefined,
): (index: number) => Promise<string | undefined> {
  const results = new Map<number, Promise<string | undefined>>();
  return (index) => {
    const known = results.get(index);
    if (known !== undefined) return known;
    const batch: [number, PullAction][] = [];
    for (let i = index; actions[i]?.kind === "pull"; i++) batch.push([i, actions[i] as PullAction]);
    const services = new Map<string, string[]>();
    for (const [, a] of batch) {
      for (const i of a.images) services.set(i.ref, [...(services.get(i.ref) ?? []), a.service]);
    }
    const images = pullEach(batch.flatMap(([, a]) => a.images), settings, services);
    for (const [i, a] of batch) {
      results.set(
        i,
        Promise.all(a.images.map((img) => images.get(img.ref))).then((errors) =>
          errors.find((e) => e !== undefined)
        ),
      );
    }
    return results.get(index) ?? Promise.resolve(undefined);
  };
}

/** Starts fetching each distinct reference (`always` wins over `missing`), `parallel` at a time. */
function pullEach(
  wanted: readonly PullAction["images"][number][],
  settings: PullSettings | undefined,
  services: ReadonlyMap<string, readonly string[]>,
): Map<string, Promise<string | undefined>> {
  const policies = new Map<string, "missing" | "always">();
  for (const w of wanted) {
    if (policies.get(w.ref) !== "always") policies.set(w.ref, w.policy);
  }
  const out = new Map<string, Promise<string | undefined>>();
  if (settings === undefined) {
    for (const ref of policies.keys()) {
      out.set(ref, Promise.resolve(`cannot pull ${ref}: this run has no image puller`));
    }
    return out;
  }
  // written first, even when every image is already here: the units' REGISTRY_AUTH_FILE names it
  const auth = settings.authFile();
  auth.catch(() => {}); // its failure is each pull's, reported there
  const slots = new Slots(settings.parallel);
  for (const [ref, policy] of policies) {
    out.set(
      ref,
      slots.run(async () => {
        try {
          if (policy === "missing" && await settings.images.imageId(ref) !== undefined) return;
          await settings.images.pull(ref, settings.timeoutMs, await auth);
          await settings.onPulled?.(ref, services.get(ref) ?? []);
        } catch (e) {
          // never a rejection: a skipped action's promise may never be awaited
          if (!(e instanceof HoistError)) return `cannot pull ${ref}: ${String(e)}`;
          return e.hint === undefined ? e.message : `${e.message} (${e.hint})`;
        }
      }),
    );
  }
  return out;
}

/** At most `n` tasks at a time, started in the order asked. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(n: number) {
    this.#free = Math.max(1, n);
  }
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((r) => this.#waiting.push(r));
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next !== undefined) next();
      else this.#free++;
    }
  }
}
