/**
 * The health settings of a service, as plain data: what is probed ({@link HealthProbe}), its
 * timings in ms, and the defaults when config.yml says nothing ({@link DEFAULT_HEALTH}). Pure.
 *
 * @module
 */

/** What is probed. `auto`: the image's HEALTHCHECK when it has one, else `settle`. */
export type HealthProbe =
  | {
    readonly kind: "http";
    readonly url: string;
    readonly status: number;
    readonly body?: string;
  }
  | { readonly kind: "tcp"; readonly host: string; readonly port: number }
  /** Run inside the service's container (`podman exec`). */
  | { readonly kind: "command"; readonly argv: readonly string[] }
  /** The image's HEALTHCHECK (`podman healthcheck run`). */
  | { readonly kind: "container" }
  /** Running, and not restarted, for `settleMs`. */
  | { readonly kind: "settle" }
  | { readonly kind: "auto" }
  /** Opted out: a started service is healthy. */
  | { readonly kind: "none" };

/** The health settings of one service, durations in ms. */
export interface HealthSettings {
  readonly probe: HealthProbe;
  /** Failed probes in this time after the start do not count. */
  readonly startPeriodMs: number;
  /** The first wait between probes (it grows, see `probeDelay`). */
  readonly intervalMs: number;
  /** Each probe's own time limit. */
  readonly timeoutMs: number;
  /** Failed probes in a row (after the start period) that make the service unhealthy. */
  readonly retries: number;
  /** No verdict in this time after the start is unhealthy. */
  readonly windowMs: number;
  /** How long the units must stay up, without a restart, to count as healthy. */
  readonly settleMs: number;
  /**
   * `compose:`: a compose project's own settings per compose service (`web`, `db`), each judged
   * in its own container; the other keys judge the project as a whole.
   */
  readonly compose?: Readonly<Record<string, HealthSettings>>;
  /** Where each `compose:` entry is written, for messages (a name that is no compose service). */
  readonly composePlaces?: Readonly<Record<string, SettingPlace>>;
}

/** Where a setting is written: its file and line, as far as known. */
export interface SettingPlace {
  readonly file?: string;
  readonly line?: number;
}

/** The settings when config.yml says nothing (`auto`). */
export const DEFAULT_HEALTH: HealthSettings = {
  probe: { kind: "auto" },
  startPeriodMs: 0,
  intervalMs: 2_000,
  timeoutMs: 2_000,
  retries: 3,
  windowMs: 120_000,
  settleMs: 10_000,
};
