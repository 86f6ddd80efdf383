/**
 * Reading a request body without trusting its size: refused from `Content-Length` before a byte is
 * read, and cut off at the limit when the length is not sent (chunked) or lies.
 *
 * @module
 */

/** The body, or why it was not read. */
export type BodyRead =
  | { readonly ok: true; readonly bytes: Uint8Array<ArrayBuffer> }
  | { readonly ok: false; readonly status: 400 | 408 | 413; readonly reason: string };

/** How long a client may take to send its body. */
export const BODY_TIMEOUT_MS = 10_000;

/**
 * Reads `req`'s body up to `limit` bytes, within `timeoutMs` (a client that sends slowly or stops
 * half-way gets 408 and holds nothing).
 *
 * @example
 * ```ts
 * await readBody(new Request("http://x/", { method: "POST", body: "ab" }), 1);
 * // { ok: false, status: 413, reason: "body over 1 bytes" }
 * ```
 */
export async function readBody(
  req: Request,
  limit: number,
  timeoutMs = BODY_TIMEOUT_MS,
): Promise<BodyRead> {
  const tooLarge = { ok: false, status: 413, reason: `body over ${limit} bytes` } as const;
  const declared = req.headers.get("content-length");
  if (declared !== null) {
    if (!/^\d+$/.test(declared.trim())) {
      return { ok: false, status: 400, reason: "Content-Length is not a number" };
    }
    if (Number(declared) > limit) {
      await req.body?.cancel().catch(() => {});
      return tooLarge;
    }
  }
  if (req.body === null) return { ok: true, bytes: new Uint8Array() };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((
    resolve,
  ) => (timer = setTimeout(() => resolve("late"), timeoutMs)));
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), late]);
      if (next === "late") {
        await reader.cancel().catch(() => {});
        return { ok: false, status: 408, reason: `the body took longer than ${timeoutMs / 1000}s` };
      }
      const { done, value } = next;
      if (done) break;
      size += value.length;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        return tooLarge;
      }
      chunks.push(value);
    }
  } catch (e) {
    return {
      ok: false,
      status: 400,
      reason: `the body could not be read: ${(e as Error).message}`,
    };
  } finally {
    clearTimeout(timer);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return { ok: true, bytes };
}
