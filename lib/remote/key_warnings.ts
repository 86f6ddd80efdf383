/**
 * {@link withKeyWarnings}: the repository's `ssh/` key files checked with every plan, so a
 * malformed `.pub` is a plan warning with `file:line` (`hoist plan`, `hoist apply`), not only a
 * line in `hoist serve`'s log. Pure; read from the desired state's files (the same commit the API
 * takes its keys from), so it costs no extra read of the trees.
 *
 * @module
 */
import type { DesiredFile, DesiredState } from "../desired/types.ts";
import type { Problem } from "../errors.ts";
import type { Plan } from "../reconcile/types.ts";
import { type KeyScope, readKeyText } from "./repo_keys.ts";

const KEY_FILE = /^ssh\/(?:[^/]+\.pub|keys)$/;
const dec = new TextDecoder();

/**
 * `plan` with a warning for each line of a service's or the host folder's `ssh/*.pub` or
 * `ssh/keys` that is not a usable SSH public key (that line is skipped, the file's other keys
 * authorise as before).
 *
 * @example
 * ```ts
 * withKeyWarnings(plan, desired).problems.at(-1)?.message;
 * // "not a usable SSH public key: …" (file gitops/pi/web/ssh/alice.pub, line 1)
 * ```
 */
export function withKeyWarnings(plan: Plan, desired: DesiredState): Plan {
  const problems: Problem[] = [];
  const check = (files: readonly DesiredFile[], dir: string, scope: KeyScope) => {
    for (const f of files) {
      if (f.secret === true || !KEY_FILE.test(f.path)) continue;
      problems.push(...readKeyText(`${dir}/${f.path}`, dec.decode(f.data), scope).problems);
    }
  };
  const root = desired.root.replace(/\/+$/, "");
  for (const h of desired.hosts) check(h.files, root, { kind: "host" });
  for (const s of desired.services) {
    if (s.status === "ready") {
      check(s.files, `${root}/${s.name}`, { kind: "service", service: s.name });
    }
  }
  return problems.length === 0 ? plan : { ...plan, problems: [...plan.problems, ...problems] };
}
