/**
 * Ports for test servers that must be told one before they start (git daemon, sshd), safe when
 * test files run in parallel (`deno test --parallel`: workers of one process) and alongside other
 * test processes.
 *
 * A port is taken from {@link RESERVED_FROM}…(the kernel's ephemeral range − 1): no bind to port 0
 * anywhere on the machine is ever handed one of these, so a server that picks port 0 (Deno.serve,
 * Deno.listen) cannot collide with them. Among hoist's own tests a port is reserved by creating
 * `<tmp>/hoist-test-ports-<uid>/<port>` exclusively (O_EXCL) with the owner's pid in it; a reservation
 * whose process is gone is taken over. A reserved port is also bound once to check that nothing
 * else (outside the tests) listens there.
 *
 * The e2e tests publish container ports at fixed numbers below {@link RESERVED_FROM}, one block per
 * test file (18300–18499 hoist_e2e_test.ts, 18500–18599 timer_e2e_test.ts).
 *
 * @module
 */

/** Lowest port handed out; the e2e tests' fixed container ports lie below it. */
export const RESERVED_FROM = 20_000;

const DIR = `${Deno.env.get("TMPDIR") ?? "/tmp"}/hoist-test-ports-${Deno.uid() ?? "x"}`;

/** A reserved port; `release()` gives it back (also done for it when its process dies). */
export interface ReservedPort {
  readonly port: number;
  release(): Promise<void>;
}

/** The first port of the kernel's ephemeral range (what port-0 binds are handed). */
function ephemeralFrom(): number {
  try {
    const text = Deno.readTextFileSync("/proc/sys/net/ipv4/ip_local_port_range");
    const low = Number(text.trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > RESERVED_FROM + 1000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

function freeNow(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}

/** Tries to create the reservation file; takes over one left by a dead process. */
async function claim(port: number): Promise<boolean> {
  const path = `${DIR}/${port}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const f = await Deno.open(path, { write: true, createNew: true });
      await f.write(new TextEncoder().encode(`${Deno.pid}\n`));
      f.close();
      return true;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      const owner = Number((await Deno.readTextFile(path).catch(() => "")).trim());
      // an empty file is a claim being written right now: leave it
      if (!Number.isInteger(owner) || owner <= 0 || alive(owner)) return false;
      await Deno.remove(path).catch(() => {});
    }
  }
  return false;
}

/**
 * Reserves a free port for a test server; throws after many tries (a crowded machine).
 * `candidates` (for this module's own tests) are tried in order instead of random ports.
 */
export async function reservePort(candidates?: readonly number[]): Promise<ReservedPort> {
  await Deno.mkdir(DIR, { recursive: true, mode: 0o700 });
  const span = ephemeralFrom() - RESERVED_FROM;
  const tries = candidates ??
    Array.from({ length: 500 }, () => RESERVED_FROM + Math.floor(Math.random() * span));
  for (const port of tries) {
    if (!(await claim(port))) continue;
    if (freeNow(port)) {
      return { port, release: () => Deno.remove(`${DIR}/${port}`).catch(() => {}) };
    }
    await Deno.remove(`${DIR}/${port}`).catch(() => {});
  }
  throw new Error(`no free port between ${RESERVED_FROM} and ${RESERVED_FROM + span}`);
}

/** Where reservations are kept (for this module's own tests). */
export const RESERVATIONS = DIR;
