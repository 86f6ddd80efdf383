/**
 * A real container registry for tests: Debian's `docker-registry` (distribution 2.8) on 127.0.0.1,
 * with htpasswd (bcrypt) authentication, storing into a temp folder. Started by the test, stopped
 * by it.
 */
import { reservePort } from "./ports.ts";

export const REGISTRY_BIN = "/usr/bin/docker-registry";

/** A running registry. */
export interface TestRegistry {
  /** `127.0.0.1:PORT`, the registry part of image references. */
  readonly host: string;
  readonly user: string;
  readonly password: string;
  stop(): Promise<void>;
}

/** Why a registry cannot be started here, or undefined when it can. */
export function registryMissing(): string | undefined {
  for (const bin of [REGISTRY_BIN, "/usr/bin/htpasswd"]) {
    try {
      Deno.statSync(bin);
    } catch {
      return `${bin} is missing (apt-get install docker-registry apache2-utils)`;
    }
  }
  return undefined;
}

/** Starts a registry whose data and config live in `dir`. */
export async function startRegistry(dir: string): Promise<TestRegistry> {
  const user = "hoist";
  const password = `pw-${crypto.randomUUID()}`;
  const hashed = await new Deno.Command("htpasswd", {
    args: ["-Bbn", user, password],
    stdout: "piped",
  })
    .output();
  if (!hashed.success) throw new Error("htpasswd failed");
  await Deno.mkdir(`${dir}/data`, { recursive: true });
  await Deno.writeFile(`${dir}/htpasswd`, hashed.stdout);
  const port = await reservePort();
  await Deno.writeTextFile(
    `${dir}/config.yml`,
    `version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: ${dir}/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port.port}
auth:
  htpasswd:
    realm: hoist-test
    path: ${dir}/htpasswd
`,
  );
  // the reservation is kept until stop(): released before the registry binds, a test file
  // running in parallel could be handed the same port
  const child = new Deno.Command(REGISTRY_BIN, {
    args: ["serve", `${dir}/config.yml`],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const host = `127.0.0.1:${port.port}`;
  const end = Date.now() + 15_000;
  for (;;) {
    try {
      const r = await fetch(`http://${host}/v2/`);
      await r.body?.cancel();
      if (r.status === 401) break; // up, and asking for credentials
    } catch {
      // not listening yet
    }
    if (Date.now() > end) {
      child.kill("SIGKILL");
      await port.release();
      const err = await new Response(child.stderr).text();
      throw new Error(`docker-registry did not start on ${host}:\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    user,
    password,
    async stop() {
      child.kill("SIGTERM");
      await child.stderr.cancel().catch(() => {});
      await child.status;
      await port.release();
    },
  };
}
