/**
 * {@link RunQueue}: one run at a time, and every trigger that arrives during a run folded into
 * exactly one follow-up run (materia's coalescing). A trigger only says "look now": the run
 * fetches, verifies and plans as `hoist apply` does.
 *
 * @module
 */

/** Why a run was asked for (`cli`: `hoist apply`, by hand or from the timer). */
export type Trigger = "webhook" | "schedule" | "api" | "start" | "cli";

/** What one run is asked to do: reconcile, and pull the images of `pull` first. */
export interface RunRequest {
  readonly id: string;
  readonly triggers: readonly Trigger[];
  /** Services whose images are pulled before the reconcile (`/redeploy-and-update/<service>`). */
  readonly pull: readonly string[];
}

/** How a run ended. */
export interface RunSummary {
  /** `changed`: actions applied; `no-change`; `failed`: a service failed; `error`: no plan ran. */
  readonly result: "changed" | "no-change" | "failed" | "error";
  readonly message: string;
  readonly revision?: string;
  readonly deploymentId?: number;
  /** For runs that pulled images (`/redeploy-and-update/<service>`): what each service got. */
  readonly updates?: readonly {
    readonly service: string;
    readonly restarted: boolean;
    readonly error?: string;
  }[];
}

/** A run as `GET /runs/<id>` shows it. */
export interface RunView {
  readonly id: string;
  readonly state: "queued" | "running" | "done" | "cancelled";
  readonly triggers: readonly Trigger[];
  readonly pull: readonly string[];
  readonly queuedAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly summary?: RunSummary;
}

/** The answer to a trigger. */
export type Enqueued =
  | { readonly ok: true; readonly id: string; readonly coalesced: boolean }
  | { readonly ok: false; readonly reason: string };

/** How many finished runs `GET /runs/<id>` can still show. */
export const KEPT_RUNS = 200;

/**
 * The queue. `execute` does the run and must not throw (a thrown error is recorded as an `error`
 * summary all the same); `now` is the clock.
 *
 * @example
 * ```ts
 * const q = new RunQueue(async () => ({ result: "no-change", message: "ok" }), () => new Date());
 * q.enqueue("webhook", []); // { ok: true, id: "r1", coalesced: false }
 * await q.close();
 * ```
 */
export class RunQueue {
  readonly #execute: (request: RunRequest) => Promise<RunSummary>;
  readonly #now: () => Date;
  readonly #runs = new Map<string, RunView>();
  #next = 1;
  #running: Promise<void> | undefined;
  #pending: RunView | undefined;
  #closed = false;

  constructor(execute: (request: RunRequest) => Promise<RunSummary>, now: () => Date) {
    this.#execute = execute;
    this.#now = now;
  }

  /** Asks for a run; joins the pending follow-up when a run is in progress. */
  enqueue(trigger: Trigger, pull: readonly string[]): Enqueued {
    if (this.#closed) return { ok: false, reason: "hoist serve is stopping" };
    const pending = this.#pending;
    if (pending !== undefined) {
      const merged = {
        ...pending,
        triggers: unique([...pending.triggers, trigger]),
        pull: unique([...pending.pull, ...pull]),
      };
      this.#pending = merged;
      this.#runs.set(merged.id, merged);
      return { ok: true, id: merged.id, coalesced: true };
    }
    const view: RunView = {
      id: `r${this.#next++}`,
      state: "queued",
      triggers: [trigger],
      pull: unique(pull),
      queuedAt: this.#now().toISOString(),
    };
    this.#remember(view);
    if (this.#running === undefined) this.#start(view);
    else this.#pending = view;
    return { ok: true, id: view.id, coalesced: false };
  }

  /** A run by id, while it is among the last {@link KEPT_RUNS}. */
  get(id: string): RunView | undefined {
    return this.#runs.get(id);
  }

  /** The last runs, newest first. */
  recent(limit: number): RunView[] {
    return [...this.#runs.values()].reverse().slice(0, limit);
  }

  /** True while a run is in progress. */
  get busy(): boolean {
    return this.#running !== undefined;
  }

  /** Refuses new triggers, cancels the pending follow-up and waits for the running run. */
  async close(): Promise<void> {
    this.#closed = true;
    const pending = this.#pending;
    if (pending !== undefined) {
      this.#pending = undefined;
      this.#runs.set(pending.id, { ...pending, state: "cancelled" });
    }
    await this.#running;
  }

  #start(view: RunView): void {
    const running: RunView = { ...view, state: "running", startedAt: this.#now().toISOString() };
    this.#runs.set(view.id, running);
    this.#running = this.#run(running);
  }

  async #run(view: RunView): Promise<void> {
    let summary: RunSummary;
    try {
      summary = await this.#execute({ id: view.id, triggers: view.triggers, pull: view.pull });
    } catch (e) {
      summary = { result: "error", message: `the run failed: ${(e as Error).message}` };
    }
    this.#runs.set(view.id, {
      ...(this.#runs.get(view.id) ?? view),
      state: "done",
      finishedAt: this.#now().toISOString(),
      summary,
    });
    this.#running = undefined;
    const next = this.#pending;
    this.#pending = undefined;
    if (next !== undefined && !this.#closed) this.#start(next);
  }

  #remember(view: RunView): void {
    this.#runs.set(view.id, view);
    for (const id of this.#runs.keys()) {
      if (this.#runs.size <= KEPT_RUNS) break;
      const old = this.#runs.get(id);
      if (old?.state === "done" || old?.state === "cancelled") this.#runs.delete(id);
      else break;
    }
  }
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
