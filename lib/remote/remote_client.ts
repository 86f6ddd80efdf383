/**
 * `hoist remote`'s run: pick the key (`-i`, then `HOIST_REMOTE_KEY`, then the ssh-agent), sign the
 * request, send it, and turn the answer into text and an exit code (0 ok, 1 failed, 3
 * unauthorised, 4 unreachable). The text is for a terminal: everything the server sent is
 * escaped.
 *
 * @module
 */
import type { SigningKey, SshSign } from "../adapters/ssh_sign.ts";
import { HoistError, oneLine, safeText } from "../errors.ts";
import { REMOTE_NAMESPACE } from "./canonical.ts";
import { exitFor, REMOTE_EXIT, type RemoteTarget, requestFor } from "./remote_target.ts";
import { signRequest } from "./sign_request.ts";

/** What the client needs from the host. */
export interface ClientDeps {
  readonly ssh: SshSign;
  readonly fetch: (url: URL, init: RequestInit) => Promise<Response>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly nowMs: () => number;
  readonly nonce: () => string;
}

/** The options of one call. */
export interface ClientOptions {
  readonly identity?: string;
  readonly tail?: number;
  readonly since?: string;
  readonly json?: boolean;
}

/** What to print and the exit code. */
export interface ClientResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** The signing key: `-i FILE` (a `.pub` means: its private half is in the agent), the env, the agent. */
export async function chooseKey(
  deps: ClientDeps,
  identity: string | undefined,
): Promise<SigningKey> {
  if (identity !== undefined) {
    return identity.endsWith(".pub")
      ? { kind: "agent", publicKey: await Deno.readTextFile(identity) }
      : { kind: "file", path: identity };
  }
  const text = deps.env.HOIST_REMOTE_KEY;
  if (text !== undefined && text.trim() !== "") return { kind: "text", text };
  const agent = await deps.ssh.agentKeys();
  if (agent[0] !== undefined) return { kind: "agent", publicKey: agent[0] };
  throw new HoistError(
    "usage",
    "no key to sign with: no -i, HOIST_REMOTE_KEY is not set and no ssh-agent key was found",
    "Pass -i ~/.ssh/id_ed25519, set HOIST_REMOTE_KEY to the private key's text (CI), or ssh-add a key",
  );
}

/** Sends one operation. */
export async function runRemote(
  deps: ClientDeps,
  target: RemoteTarget,
  opts: ClientOptions,
): Promise<ClientResult> {
  const key = await chooseKey(deps, opts.identity);
  const { method, url } = requestFor(target, opts);
  const body = new Uint8Array();
  const headers = await signRequest(method, url, body, {
    nowMs: deps.nowMs(),
    nonce: deps.nonce(),
    sign: (message) => deps.ssh.sign(key, REMOTE_NAMESPACE, message),
  });
  let res: Response;
  try {
    res = await deps.fetch(url, {
      method,
      headers,
      ...(method === "POST" ? { body } : {}),
      redirect: "manual",
    });
  } catch (e) {
    return {
      code: REMOTE_EXIT.unreachable,
      out: "",
      err: `error: cannot reach ${url.origin}: ${oneLine((e as Error).message)}\n` +
        "  hint: check the address and port, and that hoist serve runs there\n",
    };
  }
  const text = await res.text();
  let answer: Record<string, unknown>;
  try {
    answer = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {
      code: REMOTE_EXIT.failed,
      out: "",
      err: `error: ${url.origin} answered ${res.status} without JSON (not hoist serve?)\n`,
    };
  }
  const code = exitFor(res.status);
  if (opts.json) return { code, out: `${JSON.stringify(answer, null, 2)}\n`, err: "" };
  if (code !== REMOTE_EXIT.ok) {
    const what = code === REMOTE_EXIT.unauthorised ? "unauthorised" : "failed";
    return {
      code,
      out: "",
      err: `error: ${target.op} ${what} (${res.status}): ${oneLine(String(answer.reason ?? ""))}\n`,
    };
  }
  return { code, out: render(target, answer), err: "" };
}

/** The answer of a successful operation as text. */
export function render(target: RemoteTarget, answer: Record<string, unknown>): string {
  const s = (v: unknown) => oneLine(String(v ?? ""));
  switch (target.op) {
    case "ping":
      return `pong (${s(answer.principal)})\n`;
    case "ps":
      return psTable(Array.isArray(answer.containers) ? answer.containers : []);
    case "logs": {
      const text = safeText(String(answer.text ?? ""));
      return answer.truncated ? `(older lines left out)\n${text}` : text;
    }
    case "plan":
    case "apply":
      return `${JSON.stringify(answer.plan ?? answer.summary ?? answer, null, 2)}\n`;
    default:
      return `${target.op}: ${s(target.service)} (${
        s((answer.units as unknown[] | undefined)?.join(", "))
      })\n`;
  }
}

function psTable(rows: readonly Record<string, unknown>[]): string {
  const head = ["NAME", "IMAGE", "STATE", "HEALTH", "STARTED", "PORTS"];
  const lines = rows.map((r) =>
    [
      r.name,
      r.image,
      r.state,
      r.health || "-",
      r.started || "-",
      Array.isArray(r.ports) && r.ports.length > 0 ? r.ports.join(",") : "-",
    ].map((v) => oneLine(String(v ?? "")))
  );
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  return [head, ...lines].map((l) => l.map((v, i) => v.padEnd(widths[i]!)).join("  ").trimEnd())
    .join("\n") + "\n";
}
