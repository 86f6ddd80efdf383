/**
 * The container listing started before the fetch. `podman ps` is the long pole of a no-op run
 * (issue 10: about 60 ms, where `git fetch` takes 10 and the desired-state cache 5) and needs
 * nothing the fetch gives, so a run starts it as soon as it holds the lock and observe takes its
 * answer: the two overlap instead of following each other.
 *
 * A listing is one snapshot per run, taken under the lock; one started more than
 * {@link EARLY_LISTING_MAX_AGE_MS} before observe asks for it (a slow fetch of a new commit) is
 * dropped and podman asked again, so a plan never judges containers by an old answer.
 *
 * @module
 */
import type { Podman } from "../adapters/podman.ts";
import type { ObservedContainer } from "../types/observed.ts";

/** How old, at most, an early answer may be when observe takes it. */
export const EARLY_LISTING_MAX_AGE_MS = 1000;

/**
 * `podman` with its container listing started now: the first `listContainers()` within
 * `maxAgeMs` of this call answers with it, any other asks podman again. `now` is a monotonic
 * clock in milliseconds.
 *
 * @example
 * ```ts
 * const early = withEarlyListing(deps.podman); // `podman ps` runs while git fetches
 * await fetchSources(deps, config, store, opts);
 * await early.listContainers(); // the answer started above
 * ```
 */
export function withEarlyListing(
  podman: Podman,
  now: () => number = () => performance.now(),
  maxAgeMs = EARLY_LISTING_MAX_AGE_MS,
): Podman {
  const startedAt = now();
  let early: Promise<ObservedContainer[]> | undefined = podman.listContainers();
  // taken or dropped below; a failure shows where it is taken (or nowhere: the run failed first)
  early.catch(() => {});
  return {
    listContainers() {
      const answer = early !== undefined && now() - startedAt <= maxAgeMs ? early : undefined;
      early = undefined;
      return answer ?? podman.listContainers();
    },
    listObjects: () => podman.listObjects(),
  };
}
