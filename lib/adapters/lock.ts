/**
 * One apply at a time: an exclusive flock on `<state_dir>/lock`, released when the process ends.
 *
 * @module
 */
import { HoistError } from "../errors.ts";

/**
 * Takes the lock, waiting up to `timeoutMs`. Throws `lock-busy` naming the holder's pid.
 * Returns a release function.
 */
export async function acquireLock(path: string, timeoutMs: number): Promise<() => void> {
  const file = await Deno.open(path, { read: true, write: true, create: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const got = await Promise.race([file.lock(true).then(() => "locked" as const), timeout]);
  clearTimeout(timer);
  if (got === "timeout") {
    const holder = (await Deno.readTextFile(path).catch(() => "")).trim();
    file.close();
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
