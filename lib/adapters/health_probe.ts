/**
 * Health probes: HTTP (fetch with a timeout and a bounded body), TCP (Deno.connect), a command
 * inside the container (`podman exec`) and the image's HEALTHCHECK (`podman healthcheck run`),
 * plus finding a unit's container. Every probe has a time limit and returns a short reason; no
 * probe's output is kept beyond {@link MAX_REASON} characters.
 *
 * Contract (podman 5.4): `podman healthcheck run NAME` exits 0 healthy, 1 unhealthy, 125 for no
 * healthcheck / no such container; `podman exec NAME ARGV…` exits with the command's status (126,
 * 127: cannot run it); `podman container inspect NAME` prints a JSON list whose
 * `Config.Healthcheck.Test` is set when the image or unit defines one; quadlet's containers carry
 * the label `PODMAN_SYSTEMD_UNIT=<unit>`.
 *
 * @module
 */
import { CommandTimeout, type Runner } from "./run_command.ts";

/** One probe's outcome (see lib/health/types.ts `ProbeResult`, the same shape). */
export type ProbeOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** The longest reason kept from a probe's output. */
export const MAX_REASON = 200;
/** The most of an HTTP body read. */
export const MAX_BODY = 64 * 1024;

/** Output made printable and short: control characters become spaces, then cut. */
export function shortText(text: string): string {
  // deno-lint-ignore no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim();
  return flat.length > MAX_REASON ? `${flat.slice(0, MAX_REASON)}…` : flat;
}

/** What the gate asks. */
export interface HealthProbes {
  http(
    url: string,
    status: number,
    body: string | undefined,
    timeoutMs: number,
  ): Promise<ProbeOutcome>;
  tcp(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome>;
  command(container: string, argv: readonly string[], timeoutMs: number): Promise<ProbeOutcome>;
  container(container: string, timeoutMs: number): Promise<ProbeOutcome>;
  /**
   * The running container of a systemd unit, whether it has a HEALTHCHECK and that check's start
   * period (ms); undefined: none.
   */
  containerOf(
    unit: string,
  ): Promise<{ name: string; healthcheck: boolean; startPeriodMs?: number } | undefined>;
}

/** Reads at most `max` bytes of a body, then cancels it. */
async function boundedBody(res: Response, max: number): Promise<string> {
  if (res.body === null) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(Math.min(size, max));
  let at = 0;
  for (const c of chunks) {
    const part = c.subarray(0, all.length - at);
    all.set(part, at);
    at += part.length;
  }
  return new TextDecoder().decode(all);
}

const message = (e: unknown) => shortText(e instanceof Error ? e.message : String(e));

/** Creates the probes around `run` (podman) and the runtime's fetch and connect. */
export function createHealthProbes(run: Runner, bin = "podman"): HealthProbes {
  const podman = async (args: string[], timeoutMs: number) => {
    try {
      return await run({ cmd: bin, args, timeoutMs, maxStdout: 64 * 1024 });
    } catch (e) {
      if (e instanceof CommandTimeout) {
        return { code: -1, stdout: new Uint8Array(), stderr: "timed out" };
      }
      return { code: -2, stdout: new Uint8Array(), stderr: message(e) };
    }
  };
  return {
    async http(url, status, body, timeoutMs) {
      try {
        const res = await fetch(url, {
          signal: AbortSignal.timeout(timeoutMs),
          redirect: "manual",
        });
        const text = await boundedBody(res, MAX_BODY);
        if (res.status !== status) return { ok: false, reason: `http ${res.status}` };
        if (body !== undefined && !text.includes(body)) {
          return {
            ok: false,
            reason: `http ${res.status} without ${JSON.stringify(shortText(body))}`,
          };
        }
        return { ok: true };
      } catch (e) {
        const timedOut = e instanceof DOMException && e.name === "TimeoutError";
        return {
          ok: false,
          reason: timedOut ? `http: no answer in ${timeoutMs} ms` : `http: ${message(e)}`,
        };
      }
    },
    async tcp(host, port, timeoutMs) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const conn = await Promise.race([
          Deno.connect({ hostname: host, port }),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no connection in ${timeoutMs} ms`)),
              timeoutMs,
            );
          }),
        ]);
        conn.close();
        return { ok: true };
      } catch (e) {
        return { ok: false, reason: `tcp ${host}:${port}: ${message(e)}` };
      } finally {
        clearTimeout(timer);
      }
    },
    async command(container, argv, timeoutMs) {
      const r = await podman(["exec", container, ...argv], timeoutMs);
      if (r.code === 0) return { ok: true };
      const out = shortText(r.stderr || new TextDecoder().decode(r.stdout));
      return { ok: false, reason: `command exited ${r.code}${out ? `: ${out}` : ""}` };
    },
    async container(container, timeoutMs) {
      const r = await podman(["healthcheck", "run", container], timeoutMs);
      if (r.code === 0) return { ok: true };
      const out = shortText(r.stderr || new TextDecoder().decode(r.stdout));
      return {
        ok: false,
        reason: `healthcheck ${r.code === 1 ? "unhealthy" : `exited ${r.code}`}${
          out ? `: ${out}` : ""
        }`,
      };
    },
    async containerOf(unit) {
      const ps = await podman([
        "ps",
        "--format",
        "json",
        "--filter",
        `label=PODMAN_SYSTEMD_UNIT=${unit}`,
      ], 10_000);
      if (ps.code !== 0) return undefined;
      const name = parseFirstName(new TextDecoder().decode(ps.stdout));
      if (name === undefined) return undefined;
      const inspect = await podman(["container", "inspect", name], 10_000);
      const check = inspect.code === 0
        ? healthcheckOf(new TextDecoder().decode(inspect.stdout))
        : undefined;
      return {
        name,
        healthcheck: check !== undefined,
        ...(check?.startPeriodMs === undefined ? {} : { startPeriodMs: check.startPeriodMs }),
      };
    },
  };
}

/** The first container name of `podman ps --format json`. */
export function parseFirstName(json: string): string | undefined {
  try {
    const rows: unknown = JSON.parse(json.trim() || "[]");
    if (!Array.isArray(rows)) return undefined;
    const names = (rows[0] as { Names?: unknown } | undefined)?.Names;
    const name = Array.isArray(names) ? names[0] : names;
    return typeof name === "string" && name !== "" ? name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The HEALTHCHECK `podman container inspect` output shows (Config.Healthcheck.Test, its
 * StartPeriod in ns as ms), or undefined when there is none.
 */
export function healthcheckOf(json: string): { startPeriodMs?: number } | undefined {
  try {
    const rows: unknown = JSON.parse(json);
    const hc = Array.isArray(rows)
      ? (rows[0] as { Config?: { Healthcheck?: { Test?: unknown; StartPeriod?: unknown } } })
        ?.Config?.Healthcheck
      : undefined;
    const test = hc?.Test;
    if (!Array.isArray(test) || test.length === 0 || test[0] === "NONE") return undefined;
    const ns = hc?.StartPeriod;
    return typeof ns === "number" && ns > 0 ? { startPeriodMs: Math.round(ns / 1e6) } : {};
  } catch {
    return undefined;
  }
}
