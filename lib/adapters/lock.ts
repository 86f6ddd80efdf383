/**
 * One apply at a time: an exclusive flock on `<state_dir>/lock`, released when the process ends.
 *
 * @module
 */
import { HoistError, hostError } from "../errors.ts";

/**
 * Takes the lock, waiting up to `timeoutMs`. Throws `lock-busy` naming the holder's pid, and
 * `state-failed` when the lock file cannot be opened or written (a folder in its place, no
 * permission, a full disk), with a hint fitting the cause. Returns a release function.
 */
export async function acquireLock(path: string, timeoutMs: number): Promise<() => void> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true, write: true, create: true });
  } catch (e) {
    throw hostError("state-failed", `cannot open the lock file ${path}`, path, e);
  }
  try {
    return await lockFile(file, path, timeoutMs);
  } catch (e) {
    file.close();
    if (e instanceof HoistError) throw e;
    throw hostError("state-failed", `cannot take the lock ${path}`, path, e);
  }
}

async function lockFile(file: Deno.FsFile, path: string, timeoutMs: number): Promise<() => void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const locking = file.lock(true).then(() => "locked" as const);
  locking.catch(() => {}); // after a timeout the file is closed under the waiting lock()
  const got = await Promise.race([locking, timeout]);
  clearTimeout(timer);
  if (got === "timeout") {
    const holder = (await Deno.readTextFile(path).catch(() => "")).trim();
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
