/**
 * A compose service's health and lifecycle: `healthcheck`, `restart`, `stop_grace_period`.
 *
 * @module
 */
import type { CNode } from "./compose_tree.ts";
import { describe, isTrue, keyPath, text } from "./nodes.ts";
import { type KeyHandler, pathOf, scalarText, type ServiceCtx } from "./service_ctx.ts";
import { fail, unsupported } from "./unit_builder.ts";
import { literal } from "./unit_words.ts";

const DURATION = /^(?:\d+(?:\.\d+)?(?:h|m|s|ms|us|µs|ns))+$/;
const UNIT_SECONDS: Record<string, number> = {
  h: 3600,
  m: 60,
  s: 1,
  ms: 1e-3,
  us: 1e-6,
  "µs": 1e-6,
  ns: 1e-9,
};

/** Seconds of a compose duration (`1m30s`, `500ms`), or undefined when it is not one. */
export function durationSeconds(value: string): number | undefined {
  if (!DURATION.test(value)) return undefined;
  let total = 0;
  for (const m of value.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) {
    total += Number(m[1]) * (UNIT_SECONDS[m[2] ?? "s"] ?? 1);
  }
  return total;
}

/** A duration value's text, checked; undefined after an error. */
function duration(c: ServiceCtx, node: CNode, path: string): string | undefined {
  const t = scalarText(c, node, path, "a duration");
  if (t === undefined) return undefined;
  if (durationSeconds(t) === undefined) {
    fail(
      c.d,
      path,
      node.line,
      `${JSON.stringify(t)} is not a duration`,
      "Write 30s, 1m30s or 500ms",
    );
    return undefined;
  }
  return t;
}

const HEALTH_KEYS: Record<string, string> = {
  interval: "HealthInterval",
  timeout: "HealthTimeout",
  start_period: "HealthStartPeriod",
};

/** The `HealthCmd=` value of `test` (a string, or `[CMD, …]` / `[CMD-SHELL, …]` / `[NONE]`). */
function healthCmd(c: ServiceCtx, node: CNode, path: string): string | undefined {
  const t = text(node);
  if (t !== undefined) return t;
  if (node.kind !== "seq") {
    fail(c.d, path, node.line, `expected a string or a list, got ${describe(node)}`);
    return undefined;
  }
  const argv = node.items.map(text);
  if (argv.some((a) => a === undefined) || argv.length === 0) {
    fail(c.d, path, node.line, "expected a list of strings");
    return undefined;
  }
  const [kind, ...rest] = argv as string[];
  if (kind === "NONE") return "none";
  if (kind === "CMD-SHELL") return rest.join(" ");
  if (kind === "CMD") return JSON.stringify(rest);
  fail(
    c.d,
    keyPath(path, 0),
    node.line,
    `a test list starts with CMD, CMD-SHELL or NONE, not ${JSON.stringify(kind)}`,
  );
  return undefined;
}

/**
 * `healthcheck` → `HealthCmd=` and friends; `disable: true` (or `test: [NONE]`) →
 * `HealthCmd=none`; `start_interval` runs the same test as a startup check at that interval
 * (podman's nearest equivalent), until it first passes.
 */
export const healthcheck: KeyHandler = (e, c) => {
  const path = pathOf(c, e);
  if (e.value.kind !== "map") {
    fail(c.d, path, e.value.line, `expected a map, got ${describe(e.value)}`);
    return;
  }
  const disable = e.value.entries.find((x) => x.key === "disable");
  if (disable && isTrue(disable.value)) {
    c.unit.add("Container", "HealthCmd", "none", disable.line, keyPath(path, "disable"));
    return;
  }
  let cmd: string | undefined;
  for (const x of e.value.entries) {
    const at = keyPath(path, x.key);
    const key = HEALTH_KEYS[x.key];
    if (x.key === "test") {
      cmd = healthCmd(c, x.value, at);
      if (cmd !== undefined) c.unit.add("Container", "HealthCmd", literal(cmd), x.line, at);
    } else if (key !== undefined) {
      const d = duration(c, x.value, at);
      if (d !== undefined) c.unit.add("Container", key, d, x.line, at);
    } else if (x.key === "retries") {
      const t = text(x.value);
      if (t === undefined || !/^\d+$/.test(t)) fail(c.d, at, x.line, "expected a whole number");
      else c.unit.add("Container", "HealthRetries", t, x.line, at);
    } else if (x.key === "start_interval") {
      const d = duration(c, x.value, at);
      if (d === undefined) continue;
      if (cmd === undefined) {
        fail(c.d, at, x.line, "start_interval needs test: (written before it)");
        continue;
      }
      c.unit.add("Container", "HealthStartupCmd", literal(cmd), x.line, at);
      c.unit.add("Container", "HealthStartupInterval", d, x.line, at);
    } else if (x.key !== "disable") unsupported(c.d, at, x.line);
  }
};

/** `restart` → `[Service] Restart=` (`unless-stopped` is `always`: systemd never restarts a unit stopped on purpose). */
export const restart: KeyHandler = (e, c) => {
  const path = pathOf(c, e);
  const t = scalarText(c, e.value, path);
  if (t === undefined) return;
  const map: Record<string, string> = {
    no: "no",
    always: "always",
    "unless-stopped": "always",
    "on-failure": "on-failure",
  };
  const value = map[t];
  if (value !== undefined) c.unit.add("Service", "Restart", value, e.value.line, path);
  else if (/^on-failure:\d+$/.test(t)) {
    unsupported(
      c.d,
      path,
      e.value.line,
      "a retry limit (on-failure:N) is not supported; write on-failure",
    );
  } else {
    fail(
      c.d,
      path,
      e.value.line,
      `unknown restart policy ${JSON.stringify(t)}`,
      "Use no, always, unless-stopped or on-failure",
    );
  }
};

/** `stop_grace_period` → `StopTimeout=` in whole seconds (rounded up). */
export const stopGracePeriod: KeyHandler = (e, c) => {
  const path = pathOf(c, e);
  const d = duration(c, e.value, path);
  if (d === undefined) return;
  c.unit.add(
    "Container",
    "StopTimeout",
    String(Math.ceil(durationSeconds(d) ?? 0)),
    e.value.line,
    path,
  );
};
