/**
 * Real git servers on 127.0.0.1 for transport tests: `git daemon` (git://), `git http-backend`
 * behind a Deno.serve CGI bridge with HTTP Basic auth (http:// or https:// + token), a redirecting
 * server, a TCP server that accepts connections and never answers, and OpenSSH's sshd (ssh:// +
 * deploy key + pinned host key). Deno servers listen on port 0; git daemon and sshd, which must be
 * told a port, get one from tests/support/ports.ts. Each is stopped by `stop()`, which tests call
 * in a `finally` block.
 *
 * @module
 */
import { type ReservedPort, reservePort } from "../support/ports.ts";

/** Keeps git away from the user's and the system's configuration. */
const GIT_ENV = { GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C" };

/** Where the real sshd lives on Debian (package openssh-server). */
export const SSHD = "/usr/sbin/sshd";

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

/**
 * Starts `git daemon` exporting every repository under `baseDir` on a reserved port: `reserved`
 * (the caller keeps it, e.g. to restart the daemon on the same port) or one of its own, given
 * back by `stop()`.
 */
export async function startGitDaemon(
  baseDir: string,
  reserved?: ReservedPort,
): Promise<GitDaemon> {
  const own = reserved === undefined ? await reservePort() : undefined;
  const port = (reserved ?? own)?.port ?? 0;
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
  const stop = async () => {
    await daemon.stop();
    await own?.release();
  };
  try {
    await waitForPort(port, daemon);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    port,
    url: (path) => `git://127.0.0.1:${port}/${path}`,
    stderr: daemon.stderr,
    stop,
  };
}

// ---------------------------------------------------------------------------------------------
// TLS for https:// servers

/** A self-signed certificate for 127.0.0.1 and its key, both PEM. */
export interface TestCert {
  readonly cert: string;
  readonly key: string;
}

/** DER: tag, length, content. */
function der(tag: number, ...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const len = parts.reduce((n, p) => n + p.length, 0);
  const head = len < 0x80
    ? [tag, len]
    : len < 0x100
    ? [tag, 0x81, len]
    : [tag, 0x82, len >> 8, len & 0xff];
  const out = new Uint8Array(head.length + len);
  out.set(head);
  let at = head.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
const seq = (...parts: Uint8Array[]) => der(0x30, ...parts);
const bytes = (...b: number[]) => new Uint8Array(b);
/** A DER INTEGER from big-endian unsigned bytes. */
function derInt(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return der(0x02, (v[0]! & 0x80) !== 0 ? bytes(0, ...v) : v);
}
function derOid(oid: string): Uint8Array {
  const [a, b, ...rest] = oid.split(".").map(Number);
  const out = [a! * 40 + b!];
  for (const n of rest) {
    const sept = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) sept.unshift((v & 0x7f) | 0x80);
    out.push(...sept);
  }
  return der(0x06, bytes(...out));
}
function derTime(d: Date): Uint8Array {
  const t = d.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z"; // YYMMDDHHMMSSZ
  return der(0x17, new TextEncoder().encode(t));
}
const pem = (label: string, body: Uint8Array) =>
  `-----BEGIN ${label}-----\n${
    btoa(String.fromCharCode(...body)).replace(/.{64}/g, "$&\n").replace(/\n?$/, "\n")
  }-----END ${label}-----\n`;

/**
 * A fresh self-signed ECDSA P-256 certificate for IP 127.0.0.1, valid for a day, made with
 * WebCrypto (no openssl needed). Git trusts it through `GIT_SSL_CAINFO`; Deno.serve serves it.
 */
export async function selfSignedCert(): Promise<TestCert> {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]);
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const ecdsaSha256 = seq(derOid("1.2.840.10045.4.3.2"));
  const name = seq(
    der(0x31, seq(derOid("2.5.4.3"), der(0x0c, new TextEncoder().encode("hoist-test")))),
  );
  const now = Date.now();
  const serial = crypto.getRandomValues(new Uint8Array(8));
  serial[0]! &= 0x7f;
  const extensions = seq(
    seq(derOid("2.5.29.19"), der(0x01, bytes(0xff)), der(0x04, seq(der(0x01, bytes(0xff))))),
    seq(derOid("2.5.29.17"), der(0x04, seq(der(0x87, bytes(127, 0, 0, 1))))),
  );
  const tbs = seq(
    der(0xa0, derInt(bytes(2))),
    derInt(serial),
    ecdsaSha256,
    name,
    seq(derTime(new Date(now - 3_600_000)), derTime(new Date(now + 86_400_000))),
    name,
    spki,
    der(0xa3, extensions),
  );
  const raw = new Uint8Array(
    await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, tbs),
  );
  const sig = seq(derInt(raw.subarray(0, 32)), derInt(raw.subarray(32)));
  const cert = seq(tbs, ecdsaSha256, der(0x03, bytes(0), sig));
  return { cert: pem("CERTIFICATE", cert), key: pem("PRIVATE KEY", pkcs8) };
}

/**
 * Runs `fn` with `GIT_SSL_CAINFO` naming a file that holds `cert`, so every git hoist spawns (they
 * inherit the test's environment) trusts it; restores the environment afterwards.
 */
export async function withTrustedCert<T>(
  dir: string,
  cert: TestCert,
  fn: () => Promise<T>,
): Promise<T> {
  const file = `${dir}/test-ca.pem`;
  await Deno.writeTextFile(file, cert.cert);
  const before = Deno.env.get("GIT_SSL_CAINFO");
  Deno.env.set("GIT_SSL_CAINFO", file);
  try {
    return await fn();
  } finally {
    if (before === undefined) Deno.env.delete("GIT_SSL_CAINFO");
    else Deno.env.set("GIT_SSL_CAINFO", before);
  }
}

// ---------------------------------------------------------------------------------------------
// http:// and https:// via git http-backend

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
  /** `http(s)://127.0.0.1:<port>/<path>` (path relative to the project root). */
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
 * Basic auth whose password equals `token` (401 with WWW-Authenticate otherwise). With `tls` it
 * serves https:// (git must trust the certificate, see {@link withTrustedCert}).
 */
export function startHttpGitServer(
  projectRoot: string,
  token: string,
  options: { readonly tls?: TestCert } = {},
): HttpGitServer {
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

  const server = Deno.serve(serveOptions(options.tls), async (req) => {
    const user = basicUser(req.headers.get("authorization"), token);
    const res = user === undefined ? challenge("hoist-test") : await backend(req, user);
    if (user === undefined) await req.body?.cancel().catch(() => {});
    return logged(requests, req, user, res);
  });
  const port = server.addr.port;
  let stopped: Promise<void> | undefined;
  return {
    port,
    url: (path) => `${options.tls ? "https" : "http"}://127.0.0.1:${port}/${path}`,
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

/** Deno.serve options for 127.0.0.1 on a free port, with TLS when a certificate is given. */
function serveOptions(tls: TestCert | undefined) {
  const base = { hostname: "127.0.0.1", port: 0, onListen: () => {} };
  return tls === undefined ? base : { ...base, cert: tls.cert, key: tls.key };
}

/** A 401 asking for Basic auth. */
function challenge(realm: string): Response {
  return new Response("authentication required\n", {
    status: 401,
    headers: { "WWW-Authenticate": `Basic realm="${realm}"` },
  });
}

/** Appends what `req` asked and how it was answered to `requests`; returns `res`. */
function logged(
  requests: HttpRequestLog[],
  req: Request,
  user: string | undefined,
  res: Response,
): Response {
  const url = new URL(req.url);
  requests.push({
    method: req.method,
    path: url.pathname + url.search,
    user,
    authorization: req.headers.get("authorization"),
    status: res.status,
  });
  return res;
}

/** The Basic auth user name when the Authorization header's password equals `token`. */
function basicUser(authorization: string | null, token: string): string | undefined {
  const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? "");
  if (!basic) return undefined;
  const decoded = atob(basic[1]!);
  const colon = decoded.indexOf(":");
  return colon >= 0 && decoded.slice(colon + 1) === token ? decoded.slice(0, colon) : undefined;
}

/** A running server that answers every request with a redirect. */
export interface RedirectServer {
  readonly port: number;
  /** `https://127.0.0.1:<port>/<path>` */
  url(path: string): string;
  readonly requests: HttpRequestLog[];
  stop(): Promise<void>;
}

/**
 * Starts an https server on 127.0.0.1 that redirects every request (same path and query) to
 * `targetBase` (`https://127.0.0.1:<other port>`) with `status`. With `token` it first asks for
 * Basic auth (401) and redirects only requests that carry that token, as a server might after
 * login; it never serves git itself.
 */
export function startRedirectServer(
  targetBase: string,
  status: 301 | 302 | 303 | 307 | 308,
  tls: TestCert,
  token?: string,
): RedirectServer {
  const requests: HttpRequestLog[] = [];
  const server = Deno.serve(serveOptions(tls), async (req) => {
    const url = new URL(req.url);
    const user = token === undefined
      ? undefined
      : basicUser(req.headers.get("authorization"), token);
    await req.body?.cancel().catch(() => {});
    const res = token !== undefined && user === undefined
      ? challenge("hoist-redirect")
      : new Response(null, {
        status,
        headers: { Location: `${targetBase}${url.pathname}${url.search}` },
      });
    return logged(requests, req, user, res);
  });
  const port = server.addr.port;
  return {
    port,
    url: (path) => `https://127.0.0.1:${port}/${path}`,
    requests,
    stop: () => server.shutdown(),
  };
}

// ---------------------------------------------------------------------------------------------
// A server that never answers

/** A TCP server that accepts connections, reads what is sent and never writes a byte. */
export interface SilentServer {
  readonly port: number;
  /** Connections accepted so far. */
  accepted(): number;
  /** Connections the client has not closed yet. */
  open(): number;
  stop(): Promise<void>;
}

/** Starts a {@link SilentServer} on 127.0.0.1 (a free port). */
export function startSilentServer(): SilentServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const reading = new Set<Promise<void>>();
  let accepted = 0;
  const drain = async (conn: Deno.Conn) => {
    const buf = new Uint8Array(4096);
    try {
      while ((await conn.read(buf)) !== null) {
        // read and drop: the client waits for an answer that never comes
      }
    } catch {
      // closed by stop()
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        accepted++;
        conns.add(conn);
        const r = drain(conn);
        reading.add(r);
        r.finally(() => reading.delete(r));
      }
    } catch {
      // listener closed
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    accepted: () => accepted,
    open: () => conns.size,
    async stop() {
      try {
        listener.close();
      } catch {
        // already closed
      }
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // already closed
        }
      }
      await accepting;
      await Promise.all(reading);
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
 * it is missing, and leaves it (another test file's sshd may be using it).
 */
export async function startSshd(dir: string, authorizedKeys: readonly string[]): Promise<Sshd> {
  const user = (await run("id", ["-un"])).trim();
  const reserved = await reservePort();
  const port = reserved.port;
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
  if (Deno.uid() === 0) await Deno.mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  const daemon = spawnDaemon(SSHD, ["-D", "-e", "-f", config]);
  const stop = async () => {
    await daemon.stop();
    await reserved.release();
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
