/**
 * Delivery of one notification over HTTP (webhook, ntfy, gotify), and the retry rule every sink
 * shares ({@link withRetries}).
 *
 * The contract, written down once:
 * - each attempt is bounded by `timeoutMs` (connect, answer and body); after a failed attempt
 *   hoist waits `backoffMs`, then three times that, so one message takes at most about
 *   `3 × timeoutMs + 4 × backoffMs`;
 * - 2xx is delivered; 408, 429 and 5xx, a timeout or a connection error are retried; any other
 *   answer (4xx) is final; a redirect is not followed (it could carry a token elsewhere) and is
 *   final too;
 * - nothing here throws: the result says what happened; error texts name neither the URL (an ntfy
 *   topic is a secret of sorts) nor any header.
 *
 * @module
 */

/** One HTTP request, built by the caller (headers may hold a token: never logged). */
export interface HttpMessage {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array<ArrayBuffer>;
}

/** How hard to try. */
export interface DeliveryOptions {
  /** Per attempt. */
  readonly timeoutMs: number;
  /** Retries after the first attempt (2: three attempts at most). */
  readonly retries: number;
  /** Wait before the first retry; the next waits three times as long. */
  readonly backoffMs: number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** What sending did. */
export type DeliveryResult =
  | { readonly ok: true; readonly attempts: number }
  | { readonly ok: false; readonly attempts: number; readonly error: string };

/** One attempt's failure, and whether another attempt may help. */
export interface AttemptError {
  readonly retry: boolean;
  readonly error: string;
}

/**
 * Runs `attempt` until it succeeds, fails for good, or has failed `1 + retries` times; each gets
 * an AbortSignal that fires after `timeoutMs`.
 */
export async function withRetries(
  attempt: (signal: AbortSignal) => Promise<AttemptError | undefined>,
  opts: DeliveryOptions,
): Promise<DeliveryResult> {
  let last = "not tried";
  for (let i = 0; i <= opts.retries; i++) {
    if (i > 0) await opts.sleep(opts.backoffMs * 3 ** (i - 1));
    const failed = await attempt(AbortSignal.timeout(opts.timeoutMs)).catch((e): AttemptError => ({
      retry: true,
      error: describe(e, opts.timeoutMs),
    }));
    if (failed === undefined) return { ok: true, attempts: i + 1 };
    last = failed.error;
    if (!failed.retry) return { ok: false, attempts: i + 1, error: last };
  }
  return { ok: false, attempts: opts.retries + 1, error: last };
}

/**
 * POSTs `msg` with {@link withRetries}.
 *
 * @example
 * ```ts
 * await postMessage({ url: "http://127.0.0.1:9/", headers: {}, body: new Uint8Array() },
 *   { timeoutMs: 5000, retries: 2, backoffMs: 1000, sleep });
 * // { ok: false, attempts: 3, error: "cannot connect: … Connection refused …" }
 * ```
 */
export function postMessage(msg: HttpMessage, opts: DeliveryOptions): Promise<DeliveryResult> {
  return withRetries(async (signal) => {
    const res = await fetch(msg.url, {
      method: "POST",
      headers: msg.headers,
      body: msg.body,
      redirect: "manual",
      signal,
    });
    // read (and bound) the answer within the same timeout, then drop it
    await res.body?.cancel().catch(() => {});
    if (res.status >= 200 && res.status < 300) return undefined;
    if (res.status >= 300 && res.status < 400) {
      return {
        retry: false,
        error: `answered ${res.status} (a redirect: hoist does not follow it; use the final URL)`,
      };
    }
    const retry = res.status === 408 || res.status === 429 || res.status >= 500;
    return { retry, error: `answered ${res.status} ${oneLineText(res.statusText)}`.trim() };
  }, opts);
}

/** An error of fetch or a socket as one line without the URL. */
export function describe(e: unknown, timeoutMs: number): string {
  if (e instanceof DOMException && (e.name === "TimeoutError" || e.name === "AbortError")) {
    return `no answer within ${timeoutMs / 1000}s`;
  }
  const text = e instanceof Error ? e.message : String(e);
  return `cannot connect: ${
    oneLineText(text.replace(/ for url \([^)]*\)/g, "").replace(/https?:\/\/\S+/g, "<url>"))
  }`;
}

/** `text` as one line of at most 200 characters, control characters replaced by spaces. */
export function oneLineText(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\x00-\x1f\x7f-\x9f]+/g, " ").slice(0, 200);
}
