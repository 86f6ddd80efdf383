/**
 * Real git servers on 127.0.0.1 for transport tests: `git daemon` (git://), `git http-backend`
 * behind a Deno.serve CGI bridge with HTTP Basic auth (http:// + token), and OpenSSH's sshd
 * (ssh:// + deploy key + pinned host key). Each listens on a free port and is stopped by `stop()`,
 * which tests call in a `finally` block.
 *
 * @module
 */

/** Keeps git away from the user's and the system's configuration. */
const GIT_ENV = { GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C" };

/** Where the real sshd lives on Debian (package openssh-server). */
export const SSHD = "/usr/sbin/sshd";

/** A free TCP port on 127.0.0.1 (the OS picks it; a tiny race with other processes remains). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Runs a program, throwing with its stderr when it fails; returns stdout. */
export async function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(cmd, {
    args,
    env: { ...GIT_ENV, ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (exit ${out.code}): ${dec.decode(out.stderr)}`,
    );
  }
  return dec.decode(out.stdout);
}

/** A long-running child whose stderr is collected (for failure messages) and that can be stopped. */
interface Daemon {
  readonly child: Deno.ChildProcess;
  /** What it printed on stderr so far. */
  stderr(): string;
  /** SIGTERM, then waits for it to exit and for its stderr to drain. */
  stop(): Promise<void>;
}

function spawnDaemon(cmd: string, args: string[], env: Record<string, string> = {}): Daemon {
  const child = new Deno.Command(cmd, {
    args,
    env: { ...GIT_ENV, ...env },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  const drained = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({
      write(chunk) {
        text += chunk;
      },
    }),
  ).catch(() => {});
  let stopped: Promise<void> | undefined;
  return {
    child,
    stderr: () => text,
    stop() {
      stopped ??= (async () => {
        try {
          child.kill("SIGTERM");
        } catch {
          // already exited
        }
        await child.status;
        await drained;
      })();
      return stopped;
    },
  };
}

/** Waits until `port` accepts connections; fails early when `daemon` exits first. */
export async function waitForPort(port: number, daemon?: Daemon, timeoutMs = 10_000) {
  let exited: Deno.CommandStatus | undefined;
  daemon?.child.status.then((s) => (exited = s));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      throw new Error(
        `server exited (${exited.code}) before listening on ${port}:\n${daemon?.stderr() ?? ""}`,
      );
    }
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      if (Date.now() > deadline) {
        throw new Error(
          `nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms:\n${daemon?.stderr() ?? ""}`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/**
 * A bare copy of `workTree`'s repository at `bareDir` (what servers export), and a way to push
 * new commits to it.
 */
export async function bareMirror(
  workTree: string,
  bareDir: string,
): Promise<{ path: string; publish(): Promise<void> }> {
  await run("git", ["clone", "--quiet", "--bare", workTree, bareDir]);
  return {
    path: bareDir,
    async publish() {
      await run("git", ["-C", workTree, "push", "--quiet", "--force", bareDir, "main:main"]);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// git://

/** A running `git daemon`. */
export interface GitDaemon {
  readonly port: number;
  /** `git://127.0.0.1:<port>/<path>` (path relative to the base folder). */
  url(path: string): string;
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts `git daemon` exporting every repository under `baseDir` on a free (or given) port. */
export async function startGitDaemon(baseDir: string, port = freePort()): Promise<GitDaemon> {
  const execPath = (await run("git", ["--exec-path"])).trim();
  const daemon = spawnDaemon(`${execPath}/git-daemon`, [
    "--reuseaddr",
    "--listen=127.0.0.1",
    `--port=${port}`,
    `--base-path=${baseDir}`,
    "--export-all",
    "--informative-errors",
    baseDir,
  ]);
  try {
    await waitForPort(port, daemon);
  } catch (e) {
    await daemon.stop();
    throw e;
  }
  return {
    port,
    url: (path) => `git://127.0.0.1:${port}/${path}`,
    stderr: daemon.stderr,
    stop: daemon.stop,
  };
}

// ---------------------------------------------------------------------------------------------
// http:// via git http-backend

/** One request the http server saw. */
export interface HttpRequestLog {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  /** The Basic auth user name when the password matched the token. */
  readonly user: string | undefined;
  /** The raw Authorization header (to check what git sent). */
  readonly authorization: string | null;
  readonly status: number;
}

/** A running smart-HTTP git server requiring a token. */
export interface HttpGitServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>/<path>` (path relative to the project root). */
  url(path: string): string;
  readonly requests: HttpRequestLog[];
  stop(): Promise<void>;
}

/** Splits CGI output into header lines and the bytes after the blank line, or undefined. */
function splitCgiHead(buf: Uint8Array): { head: string; rest: Uint8Array } | undefined {
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] !== 10) continue;
    const crlf = buf[i + 1] === 13 && buf[i + 2] === 10;
    if (buf[i + 1] === 10 || crlf) {
      return {
        head: new TextDecoder().decode(buf.subarray(0, i)),
        rest: buf.slice(i + (crlf ? 3 : 2)),
      };
    }
  }
  return undefined;
}

/**
 * Starts a Deno.serve server on 127.0.0.1 that runs `git http-backend` as a CGI for every request
 * (the request body streamed to its stdin, its headers and `Status:` parsed) and requires HTTP
 * Basic auth whose password equals `token` (401 with WWW-Authenticate otherwise).
 */
export function startHttpGitServer(projectRoot: string, token: string): HttpGitServer {
  const requests: HttpRequestLog[] = [];
  const children = new Set<Promise<unknown>>();

  const backend = async (req: Request, user: string): Promise<Response> => {
    const url = new URL(req.url);
    const header = (name: string, envName: string): Record<string, string> => {
      const v = req.headers.get(name);
      return v === null ? {} : { [envName]: v };
    };
    const child = new Deno.Command("git", {
      args: ["http-backend"],
      env: {
        ...GIT_ENV,
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: "1",
        GATEWAY_INTERFACE: "CGI/1.1",
        SERVER_PROTOCOL: "HTTP/1.1",
        REQUEST_METHOD: req.method,
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ""),
        REMOTE_USER: user,
        REMOTE_ADDR: "127.0.0.1",
        CONTENT_TYPE: req.headers.get("content-type") ?? "",
        ...header("content-length", "CONTENT_LENGTH"),
        ...header("content-encoding", "HTTP_CONTENT_ENCODING"),
        ...header("git-protocol", "HTTP_GIT_PROTOCOL"),
      },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(child.stderr).text();
    // Streamed, not awaited: a big response must be able to flow while the body is still read.
    const feeding = req.body
      ? req.body.pipeTo(child.stdin).catch(() => {})
      : child.stdin.close().catch(() => {});
    const done = Promise.all([child.status, stderr, feeding]);
    children.add(done);
    done.finally(() => children.delete(done));

    const reader = child.stdout.getReader();
    let buf = new Uint8Array(0);
    let split: ReturnType<typeof splitCgiHead>;
    while ((split = splitCgiHead(buf)) === undefined) {
      const { value, done: end } = await reader.read();
      if (end) break;
      const next = new Uint8Array(buf.length + value.length);
      next.set(buf);
      next.set(value, buf.length);
      buf = next;
    }
    if (split === undefined) {
      await done;
      return new Response(`git http-backend printed no CGI header: ${await stderr}`, {
        status: 500,
      });
    }
    const headers = new Headers();
    let status = 200;
    for (const line of split.head.split(/\r?\n/)) {
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
      else headers.append(name, value);
    }
    const rest = split.rest;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        if (rest.length > 0) c.enqueue(rest);
      },
      async pull(c) {
        const { value, done: end } = await reader.read();
        if (end) c.close();
        else c.enqueue(value);
      },
      cancel: () => reader.cancel(),
    });
    return new Response(status === 204 || status === 304 ? null : body, { status, headers });
  };

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    const authorization = req.headers.get("authorization");
    let user: string | undefined;
    const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? "");
    if (basic) {
      const decoded = atob(basic[1]!);
      const colon = decoded.indexOf(":");
      if (colon >= 0 && decoded.slice(colon + 1) === token) user = decoded.slice(0, colon);
    }
    const res = user === undefined
      ? new Response("authentication required\n", {
        status: 401,
        headers: { "WWW-Authenticate": 'Basic realm="hoist-test"' },
      })
      : await backend(req, user);
    if (user === undefined) await req.body?.cancel().catch(() => {});
    requests.push({
      method: req.method,
      path: url.pathname + url.search,
      user,
      authorization,
      status: res.status,
    });
    return res;
  });
  const port = server.addr.port;
  let stopped: Promise<void> | undefined;
  return {
    port,
    url: (path) => `http://127.0.0.1:${port}/${path}`,
    requests,
    stop() {
      stopped ??= (async () => {
        await server.shutdown();
        await Promise.all(children);
      })();
      return stopped;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// ssh:// via OpenSSH

/** An ed25519 key pair made by ssh-keygen (no passphrase). */
export interface SshKey {
  readonly privatePath: string;
  readonly publicPath: string;
  /** `ssh-ed25519 AAAA… comment` */
  readonly publicLine: string;
  readonly privateText: string;
}

/** Generates an ed25519 key pair at `path` (and `path.pub`). */
export async function generateSshKey(path: string, comment: string): Promise<SshKey> {
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path]);
  return {
    privatePath: path,
    publicPath: `${path}.pub`,
    publicLine: (await Deno.readTextFile(`${path}.pub`)).trim(),
    privateText: await Deno.readTextFile(path),
  };
}

/** A running sshd. */
export interface Sshd {
  readonly port: number;
  /** The account git logs in as (root when the tests run as root). */
  readonly user: string;
  /** The server's host public key line (`ssh-ed25519 AAAA…`), to pin in known_hosts. */
  readonly hostKey: string;
  /** `[127.0.0.1]:<port> <host key>`: a known_hosts line pinning this server. */
  readonly knownHostsLine: string;
  /** `ssh://<user>@127.0.0.1:<port><absolute path>` */
  url(absPath: string): string;
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * Starts a real sshd in the foreground (`-D -e -f <cfg>`) on 127.0.0.1 with a fresh host key in
 * `dir`, accepting only `authorizedKeys` (public key lines). Needs to run as root (or as the user
 * git logs in as). Creates /run/sshd (sshd's privilege separation folder) when running as root and
 * it is missing; `stop()` removes it again.
 */
export async function startSshd(dir: string, authorizedKeys: readonly string[]): Promise<Sshd> {
  const user = (await run("id", ["-un"])).trim();
  const port = freePort();
  const host = await generateSshKey(`${dir}/ssh_host_ed25519_key`, "hoist-test-host");
  await Deno.writeTextFile(`${dir}/authorized_keys`, authorizedKeys.join("\n") + "\n");
  const config = `${dir}/sshd_config`;
  await Deno.writeTextFile(
    config,
    [
      "ListenAddress 127.0.0.1",
      `Port ${port}`,
      `HostKey ${host.privatePath}`,
      "PidFile none",
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      "PermitRootLogin prohibit-password",
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "StrictModes no",
      "UsePAM no",
      `AllowUsers ${user}`,
      "LogLevel VERBOSE",
      "",
    ].join("\n"),
  );
  let madePrivsep = false;
  if (Deno.uid() === 0) {
    try {
      await Deno.stat("/run/sshd");
    } catch {
      await Deno.mkdir("/run/sshd", { mode: 0o755 });
      madePrivsep = true;
    }
  }
  const daemon = spawnDaemon(SSHD, ["-D", "-e", "-f", config]);
  const stop = async () => {
    await daemon.stop();
    if (madePrivsep) await Deno.remove("/run/sshd").catch(() => {});
    madePrivsep = false;
  };
  try {
    await waitForPort(port, daemon);
  } catch (e) {
    await stop();
    throw e;
  }
  const hostKey = host.publicLine.split(" ").slice(0, 2).join(" ");
  return {
    port,
    user,
    hostKey,
    knownHostsLine: `[127.0.0.1]:${port} ${hostKey}`,
    url: (absPath) => `ssh://${user}@127.0.0.1:${port}${absPath}`,
    stderr: daemon.stderr,
    stop,
  };
}
