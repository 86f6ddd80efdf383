/**
 * Real receivers on 127.0.0.1 for the notification integration tests: an HTTP server (Deno.serve)
 * that records each request and answers as told, a TCP server that accepts and never answers, and
 * an SMTP server (Debian's python3-aiosmtpd) with STARTTLS or implicit TLS and AUTH over a
 * throwaway self-signed certificate. Every port comes from tests/support/ports.ts.
 *
 * @module
 */
import { type ReservedPort, reservePort } from "../support/ports.ts";

/** One request as the receiver saw it. */
export interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: Headers;
  readonly body: Uint8Array<ArrayBuffer>;
}

/** A running receiver. */
export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  stop(): Promise<void>;
}

/** An HTTP receiver answering each request with `answer(request, n)` (n counts from 0). */
export async function httpReceiver(
  answer: (req: Received, n: number) => Response = () => new Response("ok"),
): Promise<Receiver> {
  const reserved = await reservePort();
  const received: Received[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: reserved.port, onListen: () => {} },
    async (req) => {
      const r: Received = {
        method: req.method,
        path: new URL(req.url).pathname,
        headers: req.headers,
        body: new Uint8Array(await req.arrayBuffer()),
      };
      received.push(r);
      return answer(r, received.length - 1);
    },
  );
  return {
    url: `http://127.0.0.1:${reserved.port}`,
    received,
    async stop() {
      await server.shutdown();
      await reserved.release();
    },
  };
}

/** A TCP server that accepts connections, reads, and never answers; counts the connections. */
export async function silentReceiver(): Promise<Receiver & { connections(): number }> {
  const reserved = await reservePort();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: reserved.port });
  const conns: Deno.Conn[] = [];
  (async () => {
    for await (const c of listener) {
      conns.push(c);
      c.readable.pipeTo(new WritableStream()).catch(() => {});
    }
  })().catch(() => {});
  return {
    url: `http://127.0.0.1:${reserved.port}`,
    received: [],
    connections: () => conns.length,
    async stop() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed by the peer */ }
      }
      await reserved.release();
    },
  };
}

/** One mail as the SMTP server received it. */
export interface ReceivedMail {
  readonly from: string;
  readonly to: string[];
  readonly data: string;
  /** The connection was encrypted when the mail was sent. */
  readonly tls: boolean;
  /** The login the client authenticated with. */
  readonly user: string | null;
}

/** A running SMTP server. */
export interface SmtpReceiver {
  readonly port: number;
  /** The self-signed certificate (PEM), for the client's ca_file. */
  readonly certFile: string;
  readonly mails: ReceivedMail[];
  stop(): Promise<void>;
}

/** Debian's python, where apt's python3-aiosmtpd is (a pyenv python3 on PATH would not see it). */
const PYTHON = "/usr/bin/python3";

const SMTP_SCRIPT = String.raw`
import json, ssl, sys
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port, cert, key, user, password, mode = sys.argv[1:7]

class Handler:
    async def handle_DATA(self, server, session, envelope):
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        print(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                          "data": envelope.content.decode("utf-8", "replace"),
                          "tls": session.ssl is not None or
                                 server.transport.get_extra_info("ssl_object") is not None,
                          "user": login}), flush=True)
        return "250 OK"

def authenticate(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
          and auth_data.password == password.encode())
    return AuthResult(success=ok, handled=False, auth_data=auth_data)

ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(cert, key)
common = dict(hostname="127.0.0.1", port=int(port), authenticator=authenticate, auth_required=True)
if mode == "starttls":
    controller = Controller(Handler(), tls_context=ctx, require_starttls=True,
                            auth_require_tls=True, **common)
else:
    # implicit TLS: aiosmtpd tracks only STARTTLS, so it would never offer AUTH with auth_require_tls
    controller = Controller(Handler(), ssl_context=ctx, auth_require_tls=False, **common)
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
`;

/** Why SMTP tests cannot run here, or undefined. */
export async function smtpMissing(): Promise<string | undefined> {
  const out = await new Deno.Command(PYTHON, {
    args: ["-c", "import aiosmtpd"],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => undefined);
  return out?.success
    ? undefined
    : "python3-aiosmtpd not installed: skipping the SMTP tests (apt-get install python3-aiosmtpd)";
}

/** Starts aiosmtpd in `dir` with a fresh self-signed certificate for 127.0.0.1. */
export async function smtpReceiver(
  dir: string,
  opts: { mode: "starttls" | "tls"; user: string; password: string },
): Promise<SmtpReceiver> {
  const certFile = `${dir}/smtp-cert.pem`, keyFile = `${dir}/smtp-key.pem`;
  const openssl = await new Deno.Command("openssl", {
    args: ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", certFile]
      .concat(["-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]),
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!openssl.success) throw new Error(new TextDecoder().decode(openssl.stderr));
  await Deno.writeTextFile(`${dir}/smtpd.py`, SMTP_SCRIPT);
  const reserved: ReservedPort = await reservePort();
  const child = new Deno.Command(PYTHON, {
    args: [`${dir}/smtpd.py`, String(reserved.port), certFile, keyFile, opts.user, opts.password]
      .concat(opts.mode),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const mails: ReceivedMail[] = [];
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let ready!: () => void;
  const started = new Promise<void>((r) => ready = r);
  const reading = (async () => {
    for (;;) {
      const { value, done } = await lines.read();
      if (done) break;
      buffer += value;
      let nl;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line === "ready") ready();
        else if (line.startsWith("{")) mails.push(JSON.parse(line));
      }
    }
  })();
  const stderr = new Response(child.stderr).text();
  const exited = child.status.then(async (s) => {
    throw new Error(`aiosmtpd exited (${s.code}) before it was ready: ${await stderr}`);
  });
  await Promise.race([started, exited]);
  return {
    port: reserved.port,
    certFile,
    mails,
    async stop() {
      const w = child.stdin.getWriter();
      await w.close().catch(() => {});
      await child.status;
      await reading.catch(() => {});
      await stderr;
      await reserved.release();
    },
  };
}
