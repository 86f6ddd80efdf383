/**
 * {@link checkTopKey}: the top-level keys of a compose file (and of each file it includes) that
 * hoist knows, and the file-wide `x-hoist` settings (`ignore`, `profiles`, `restart_on_change`)
 * checked for their shape. Unknown keys are problems. Pure.
 *
 * @module
 */
import type { CEntry } from "./compose_tree.ts";
import { describe, items, keyPath, text } from "./nodes.ts";
import { type Diagnostics, fail, unsupported } from "./unit_builder.ts";

const TOP_KEYS = new Set([
  "version",
  "include",
  "name",
  "services",
  "networks",
  "volumes",
  "secrets",
  "configs",
  "x-hoist",
]);

/**
 * Checks one top-level entry of a compose file: a key compose has that hoist converts, or an
 * `x-` extension (`x-hoist` checked by its keys); anything else is a problem.
 */
export function checkTopKey(d: Diagnostics, e: CEntry): void {
  if (TOP_KEYS.has(e.key) || e.key.startsWith("x-")) {
    if (e.key === "x-hoist") checkHoistKeys(d, e);
    return;
  }
  if (e.key === "models") {
    unsupported(d, e.key, e.line, "not supported by hoist yet");
  } else unsupported(d, keyPath("", e.key), e.line, "not a compose top-level key");
}

function checkHoistKeys(d: Diagnostics, e: CEntry): void {
  if (e.value.kind !== "map") {
    fail(d, "x-hoist", e.line, `expected a map, got ${describe(e.value)}`);
    return;
  }
  for (const x of e.value.entries) {
    if (x.key === "restart_on_change") {
      if (x.value.kind !== "scalar" || typeof x.value.value !== "boolean") {
        fail(d, keyPath("x-hoist", x.key), x.line, "expected true or false");
      }
    } else if (x.key !== "ignore" && x.key !== "profiles") {
      fail(
        d,
        keyPath("x-hoist", x.key),
        x.line,
        "unknown key",
        x.key === "images" || x.key === "health"
          ? `${x.key} is set per compose service: services.<name>.x-hoist.${x.key}`
          : "x-hoist knows ignore, profiles and restart_on_change",
      );
    } else if (items(x.value).some((i) => text(i) === undefined)) {
      fail(d, keyPath("x-hoist", x.key), x.line, "expected a list of strings");
    }
  }
}
