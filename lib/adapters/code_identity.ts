/**
 * Which build of hoist is running, for caches of what its code computed (the desired-state
 * cache): the release version does not change while hoist is developed, its code does.
 *
 * @module
 */

/**
 * A string that changes whenever hoist's code may have: the main module and the executable (path,
 * size, modification time: a compiled binary, or deno), and, when hoist runs from source, the
 * number, total size and newest modification time of the `.ts` files under the main module's
 * `lib/` folder (`mainModule` and `exe` are for tests).
 *
 * @example
 * ```ts
 * const id = await codeIdentity(); // "file:///usr/local/bin/hoist|/usr/local/bin/hoist:…"
 * ```
 */
export async function codeIdentity(
  mainModule: string = Deno.mainModule,
  exe: string = Deno.execPath(),
): Promise<string> {
  const parts = [mainModule];
  parts.push(`${exe}:${await statPart(exe)}`);
  const main = new URL(mainModule);
  if (main.protocol === "file:") {
    const lib = decodeURIComponent(new URL("lib/", main).pathname);
    const sources = await sourceStats(lib);
    if (sources !== undefined) parts.push(`lib:${sources}`);
  }
  return parts.join("|");
}

let running: Promise<string> | undefined;

/**
 * {@link codeIdentity} of the running hoist, computed once per process (both of hoist's caches
 * key on it; from source it walks `lib/`).
 */
export function thisBuild(): Promise<string> {
  return running ??= codeIdentity();
}

async function statPart(path: string): Promise<string> {
  try {
    const s = await Deno.stat(path);
    return `${s.size}:${s.mtime?.getTime() ?? 0}`;
  } catch {
    return "unreadable";
  }
}

/** `count:size:newest mtime` of the `.ts` files below `dir`; undefined when it is no folder. */
async function sourceStats(dir: string): Promise<string | undefined> {
  let count = 0;
  let size = 0;
  let newest = 0;
  const walk = async (d: string): Promise<boolean> => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(d));
    } catch {
      return false;
    }
    await Promise.all(entries.map(async (e) => {
      if (e.isDirectory) await walk(`${d}${e.name}/`);
      else if (e.isFile && e.name.endsWith(".ts")) {
        const s = await Deno.stat(`${d}${e.name}`).catch(() => undefined);
        if (s === undefined) return;
        count++;
        size += s.size;
        newest = Math.max(newest, s.mtime?.getTime() ?? 0);
      }
    }));
    return true;
  };
  return (await walk(dir)) ? `${count}:${size}:${newest}` : undefined;
}
