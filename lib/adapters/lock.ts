/**
 * One apply at a time: an exclusive flock on `<state_dir>/lock`, released when the process ends.
 *
 * @module
 */
import { HoistError, hostError } from "../errors.ts";

/** How long a lock may take before the waiter is told whom it waits for. */
const QUIET_WAIT_MS = 250;

/**
 * Takes the lock, waiting up to `timeoutMs`; when it is not free at once, calls `onWait` with the
 * holder's pid (as written in the lock file) so the waiter can say whom it waits for. Throws
 * `lock-busy` naming the holder's pid, and `state-failed` when the lock file cannot be opened or
 * written (a folder in its place, no permission, a full disk), with a hint fitting the cause.
 * Returns a release function.
 */
export async function acquireLock(
  path: string,
  timeoutMs: number,
  onWait?: (holder: string | undefined) => void,
): Promise<() => void> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true, write: true, create: true });
  } catch (e) {
    throw hostError("state-failed", `cannot open the lock file ${path}`, path, e);
  }
  try {
    return await lockFile(file, path, timeoutMs, onWait);
  } catch (e) {
    file.close();
    if (e instanceof HoistError) throw e;
    throw hostError("state-failed", `cannot take the lock ${path}`, path, e);
  }
}

const holderOf = async (path: string) => (await Deno.readTextFile(path).catch(() => "")).trim();

async function lockFile(
  file: Deno.FsFile,
  path: string,
  timeoutMs: number,
  onWait: ((holder: string | undefined) => void) | undefined,
): Promise<() => void> {
  const timers: ReturnType<typeof setTimeout>[] = [];
  const after = (ms: number) =>
    new Promise<"timeout">((resolve) => timers.push(setTimeout(() => resolve("timeout"), ms)));
  const locking = file.lock(true).then(() => "locked" as const);
  locking.catch(() => {}); // after a timeout the file is closed under the waiting lock()
  let got = await Promise.race([locking, after(Math.min(QUIET_WAIT_MS, timeoutMs))]);
  if (got === "timeout" && timeoutMs > QUIET_WAIT_MS) {
    onWait?.((await holderOf(path)) || undefined);
    got = await Promise.race([locking, after(timeoutMs - QUIET_WAIT_MS)]);
  }
  for (const t of timers) clearTimeout(t);
  if (got === "timeout") {
    const holder = await holderOf(path);
    throw new HoistError(
      "lock-busy",
      `another hoist apply is running${holder ? ` (pid ${holder})` : ""}; waited ${
        Math.round(timeoutMs / 1000)
      } s for ${path}`,
      "Wait for it to finish, or raise --lock-timeout",
    );
  }
  await file.truncate(0);
  await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
  return () => {
    try {
      file.unlockSync();
    } finally {
      file.close();
    }
  };
}
