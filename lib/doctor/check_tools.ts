/**
 * The programs hoist drives: the quadlet generator, podman and systemd, present and recent enough
 * for the unit types hoist writes.
 *
 * @module
 */
import { type CheckResult, result, type ToolFact } from "./types.ts";

/** The first `N.N[.N]` in a version line (`podman version 5.4.2`, `systemd 252 (252.38-1)`). */
export function parseVersion(line: string): readonly number[] | undefined {
  const m = /(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(line);
  return m ? [m[1], m[2], m[3]].map((p) => Number(p ?? 0)) : undefined;
}

/** True when `v` is at least `min` (compared part by part). */
export function atLeast(v: readonly number[], min: readonly number[]): boolean {
  for (let i = 0; i < min.length; i++) {
    const a = v[i] ?? 0, b = min[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

/** Where hoist looks for the generator when quadlet_bin is not set. */
export const GENERATOR_HINT =
  "Install podman 4.4 or later (it ships the generator as /usr/libexec/podman/quadlet), or set quadlet_bin";

/** The quadlet generator: found, runs, 4.4 or later (5.0 for .pod and .build units). */
export function checkGenerator(
  generator: ToolFact | undefined,
  configured: string | undefined,
  searched: readonly string[],
): CheckResult {
  if (generator === undefined) {
    return result(
      "generator",
      "error",
      `no quadlet generator at ${searched.join(" or ")}`,
      GENERATOR_HINT,
    );
  }
  if (!generator.found) {
    return result(
      "generator",
      "error",
      `${
        configured === undefined ? "" : "quadlet_bin "
      }${generator.path} does not run: ${generator.error}`,
      configured === undefined
        ? GENERATOR_HINT
        : "Fix quadlet_bin in the config, or remove it to use the usual places",
    );
  }
  const v = parseVersion(generator.version);
  if (v === undefined || !atLeast(v, [4, 4])) {
    return result(
      "generator",
      "error",
      `${generator.path} is version ${generator.version || "unknown"}; hoist needs 4.4 or later`,
      GENERATOR_HINT,
    );
  }
  if (!atLeast(v, [5, 0])) {
    return result(
      "generator",
      "warning",
      `${generator.path} is version ${generator.version}: .pod and .build units need 5.0`,
      "Upgrade podman to 5.x, or keep to .container, .network, .volume, .kube and .image units",
    );
  }
  return result("generator", "ok", `${generator.path} ${generator.version}`);
}

/** podman: runs, and its version matches the generator's (both come from one package). */
export function checkPodman(podman: ToolFact, generator: ToolFact | undefined): CheckResult {
  if (!podman.found) {
    return result(
      "podman",
      "error",
      `podman does not run: ${podman.error}`,
      "Install podman 4.4 or later",
    );
  }
  const v = parseVersion(podman.version);
  const g = generator?.found ? parseVersion(generator.version) : undefined;
  if (v !== undefined && g !== undefined && (v[0] !== g[0] || v[1] !== g[1])) {
    return result(
      "podman",
      "warning",
      `${podman.version}, but the generator is ${generator?.found ? generator.version : ""}`,
      "Use the generator of the installed podman (quadlet_bin), so units mean what podman runs",
    );
  }
  return result("podman", "ok", podman.version);
}

/** systemd: `systemctl --version` runs; quadlets need 247 or later (250 tested). */
export function checkSystemd(systemd: ToolFact): CheckResult {
  if (!systemd.found) {
    return result(
      "systemd",
      "error",
      `systemctl does not run: ${systemd.error}`,
      "hoist needs systemd 247 or later",
    );
  }
  const v = parseVersion(systemd.version);
  if (v === undefined || !atLeast(v, [247])) {
    return result(
      "systemd",
      "error",
      `${systemd.version}: quadlet generators need systemd 247 or later`,
      "Upgrade systemd",
    );
  }
  return result("systemd", "ok", systemd.version);
}
