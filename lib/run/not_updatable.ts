/**
 * What `hoist update` leaves alone (pure): a service with steps waiting for `hoist apply`, stopped
 * through the remote API or run as another account ({@link notUpdatable}), the services an update
 * without names considers ({@link defaultServices}), and an image pinned or outside the scheduled
 * check ({@link skipReason}).
 *
 * @module
 */
import type { DesiredService, ReadyService } from "../desired/types.ts";
import type { ImageRef } from "../images/image_ref.ts";
import { refPolicy, type UpdatePolicy, writtenPolicy } from "../images/update_policy.ts";
import { actionService, type Plan } from "../reconcile/types.ts";
import { updateTargets } from "./update_targets.ts";

/**
 * Why `service` is not one `hoist update` may pull for and restart now (pure), or undefined. The
 * update acts on what runs: a service whose plan has steps (its desired revision is not what
 * runs, as when the breaker holds it back or a rollout window is closed) would otherwise restart
 * on the fetched revision's images outside `apply`; one stopped through the remote API stays
 * stopped; one that runs as another account (`user =`) has its images in that account's storage,
 * which `hoist update` does not reach yet.
 *
 * @example
 * ```ts
 * notUpdatable(web, plan, []); // "web has 2 step(s) waiting for hoist apply: …"
 * ```
 */
export function notUpdatable(
  service: DesiredService,
  plan: Pick<Plan, "actions">,
  stops: readonly { readonly service: string; readonly principal: string; readonly at: string }[],
): string | undefined {
  const stop = stops.find((s) => s.service === service.name);
  if (stop !== undefined) {
    return `${service.name} was stopped by ${stop.principal} at ${stop.at}: left stopped ` +
      `(start it first: hoist remote HOST ${service.name} start)`;
  }
  if (service.status === "ready" && service.user !== undefined) {
    const where = service.user.file +
      (service.user.line === undefined ? "" : `:${service.user.line}`);
    return `${service.name} runs as ${service.user.name} (${where}): hoist update ` +
      "does not update an account's images yet; pin the new digest in Git and run hoist apply";
  }
  const steps = plan.actions.filter((a) =>
    a.kind !== "run-script" && actionService(a) === service.name
  );
  if (steps.length > 0) {
    return `${service.name} has ${steps.length} step(s) waiting for hoist apply ` +
      `(${[...new Set(steps.map((a) => a.reason))].slice(0, 2).join("; ")}): ` +
      "its images are updated once what runs is the repository's (run hoist plan)";
  }
  return undefined;
}

/** The services an update without names considers: any non-pinned image (scheduled: `auto`). */
export function defaultServices(services: readonly ReadyService[], scheduled: boolean): string[] {
  return services.filter((s) =>
    // only a written policy is `auto`: the scheduled check reads no unit of a service without one
    // (every timer run asks, on every service)
    (!scheduled || writesAuto(s)) && updateTargets(s).images.some((image) => {
      const r = refPolicy(writtenPolicy(s, image), image);
      return typeof r !== "string" && r.ref.digest === undefined &&
        (scheduled ? r.policy === "auto" : r.policy !== "pinned");
    })
  ).map((s) => s.name).sort();
}

/** True when `auto` is written for the service or for one of its images. */
function writesAuto(s: ReadyService): boolean {
  return s.updatePolicy === "auto" || Object.values(s.imagePolicies ?? {}).includes("auto");
}

/**
 * Why the update leaves `image` of `service` alone under `policy` (pure), or undefined: a digest
 * pins it whatever the policy, `pinned` leaves it to Git, and the scheduled check updates only
 * `auto` images (a project's compose services may give their images different policies).
 *
 * @example
 * ```ts
 * skipReason(blog, "ghcr.io/acme/web:1", ref, "manual", true);
 * // "manual (services.blog.images): only hoist update blog changes it, not the scheduled check"
 * ```
 */
export function skipReason(
  service: Pick<ReadyService, "name" | "updatePolicy" | "imagePolicies">,
  image: string,
  ref: ImageRef,
  policy: UpdatePolicy,
  scheduled: boolean,
): string | undefined {
  if (ref.digest !== undefined) {
    return `pinned by its digest${ref.tag === undefined ? "" : ` (tag ${ref.tag} only shown)`}: ` +
      "only Git changes it";
  }
  const where = service.imagePolicies?.[image.trim()] !== undefined
    ? "x-hoist: { images }"
    : service.updatePolicy !== undefined
    ? `services.${service.name}.images`
    : "the default for a tag";
  if (policy === "pinned") return `pinned (${where}): only Git changes it`;
  if (scheduled && policy !== "auto") {
    return `${policy} (${where}): only hoist update ${service.name} changes it, not the ` +
      "scheduled check";
  }
  return undefined;
}
