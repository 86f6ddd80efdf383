/**
 * Real SSH keys and a real ssh-agent for the remote tests.
 *
 * @module
 */

/** A key made by ssh-keygen: the private key's path and the public key's line. */
export interface TestKey {
  readonly path: string;
  readonly pub: string;
}

async function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const out = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")}: ${dec.decode(out.stderr)}`);
  return dec.decode(out.stdout);
}

/** `ssh-keygen -t ed25519 -N '' -C <name>@test` into `dir/<name>`. */
export async function makeKey(dir: string, name: string, type = "ed25519"): Promise<TestKey> {
  const path = `${dir}/${name}`;
  await run("ssh-keygen", ["-q", "-t", type, "-N", "", "-C", `${name}@test`, "-f", path]);
  return { path, pub: (await Deno.readTextFile(`${path}.pub`)).trim() };
}

/** Runs `fn` with an ssh-agent holding `keys`; `env` reaches it (SSH_AUTH_SOCK). */
export async function withAgent<T>(
  dir: string,
  keys: readonly string[],
  fn: (env: Record<string, string>) => Promise<T>,
): Promise<T> {
  const sock = `${dir}/agent.sock`;
  const out = await run("ssh-agent", ["-a", sock, "-s"]);
  const pid = /SSH_AGENT_PID=(\d+)/.exec(out)?.[1];
  const env = { SSH_AUTH_SOCK: sock };
  try {
    for (const k of keys) await run("ssh-add", ["-q", k], env);
    return await fn(env);
  } finally {
    if (pid !== undefined) Deno.kill(Number(pid), "SIGTERM");
  }
}
