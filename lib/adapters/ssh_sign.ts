/**
 * `ssh-keygen -Y sign` and `-Y verify` for hoist's remote API, and `ssh-add -L` for the agent's
 * keys. Written from what OpenSSH 9.2 does (tests/remote/ssh_sign_test.ts runs the real one):
 *
 * - `ssh-keygen -Y sign -n NS -f KEY` with the message on stdin prints the armored signature on
 *   stdout (and `Signing data on standard input` on stderr). `KEY` may be a private key, or a
 *   public key whose private half is in the agent (`-U` says so).
 * - `ssh-keygen -Y verify -f ALLOWED -I PRINCIPAL -n NS -s SIG` with the message on stdin exits 0
 *   and prints `Good "NS" signature for PRINCIPAL with ED25519 key SHA256:…` on stdout; anything
 *   else (a changed message, another namespace, a key not listed for the principal) exits 255 with
 *   `Could not verify signature.`.
 * - `ssh-add -L`: one public key per line; exit 1 `The agent has no identities.`, exit 2 when no
 *   agent can be reached.
 *
 * Signature, allowed-signers list and a private key given as text go to files in a fresh 0700
 * temp folder (ssh-keygen reads them only from files), private keys 0600, removed afterwards.
 *
 * @module
 */
import { HoistError } from "../errors.ts";
import type { Fs } from "./fs.ts";
import { checked, type Runner } from "./run_command.ts";

/** Which key signs. */
export type SigningKey =
  /** A private key file (`-i`). */
  | { readonly kind: "file"; readonly path: string }
  /** A private key's text (`HOIST_REMOTE_KEY`). */
  | { readonly kind: "text"; readonly text: string }
  /** A public key (one line) whose private half the ssh-agent holds. */
  | { readonly kind: "agent"; readonly publicKey: string };

/** What `-Y verify` said. */
export type SshVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: string };

/** hoist's use of ssh-keygen and ssh-add. */
export interface SshSign {
  /** The armored signature of `message` in `namespace`. */
  sign(key: SigningKey, namespace: string, message: string): Promise<string>;
  /** Checks `signature` (armored) over `message` against `allowedSigners` (the file's text). */
  verify(opts: {
    readonly allowedSigners: string;
    readonly principal: string;
    readonly namespace: string;
    readonly message: string;
    readonly signature: string;
  }): Promise<SshVerdict>;
  /** The agent's public keys (none when no agent is reachable or it holds none). */
  agentKeys(): Promise<string[]>;
}

/** Argv of `ssh-keygen -Y sign` reading the message from stdin. */
export function signArgs(keyFile: string, namespace: string, agent: boolean): string[] {
  return ["-Y", "sign", ...(agent ? ["-U"] : []), "-n", namespace, "-f", keyFile];
}

/** Argv of `ssh-keygen -Y verify` reading the message from stdin. */
export function verifyArgs(
  signersFile: string,
  principal: string,
  namespace: string,
  sigFile: string,
): string[] {
  return ["-Y", "verify", "-f", signersFile, "-I", principal, "-n", namespace, "-s", sigFile];
}

/**
 * Reads `-Y verify`'s answer: good only with exit 0 and the `Good "NS" signature for PRINCIPAL`
 * line naming the principal asked for.
 */
export function parseVerify(
  stdout: string,
  stderr: string,
  code: number,
  namespace: string,
  principal: string,
): SshVerdict {
  const good = `Good "${namespace}" signature for ${principal} with `;
  if (code === 0 && stdout.split("\n").some((l) => l.startsWith(good))) return { ok: true };
  const said = `${stdout}\n${stderr}`.split("\n").map((l) => l.trim()).find((l) =>
    l !== "" && !l.startsWith("Signing data")
  );
  return {
    ok: false,
    reason: `the signature does not verify${said === undefined ? "" : ` (${said.slice(0, 120)})`}`,
  };
}

/** Creates the adapter. */
export function createSshSign(run: Runner, fs: Fs): SshSign {
  const dec = new TextDecoder();
  async function inTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
    const dir = await fs.makeTempDir("hoist-ssh-");
    try {
      return await fn(dir);
    } finally {
      await fs.removeTree(dir).catch(() => {});
    }
  }
  return {
    sign(key, namespace, message) {
      return inTemp(async (dir) => {
        let keyFile: string;
        if (key.kind === "file") keyFile = key.path;
        else if (key.kind === "text") {
          keyFile = `${dir}/id`;
          await fs.writeAtomic(
            keyFile,
            key.text.endsWith("\n") ? key.text : `${key.text}\n`,
            0o600,
          );
        } else {
          keyFile = `${dir}/id.pub`;
          await fs.writeAtomic(keyFile, `${key.publicKey.trim()}\n`, 0o600);
        }
        const r = await checked(run, {
          cmd: "ssh-keygen",
          args: signArgs(keyFile, namespace, key.kind === "agent"),
          stdin: message,
          timeoutMs: 30_000,
        }, "Check that the key is an unencrypted OpenSSH private key, or that ssh-agent holds it");
        return dec.decode(r.stdout);
      });
    },
    verify(o) {
      return inTemp(async (dir) => {
        await fs.writeAtomic(`${dir}/allowed_signers`, o.allowedSigners, 0o600);
        await fs.writeAtomic(`${dir}/sig`, o.signature, 0o600);
        const r = await run({
          cmd: "ssh-keygen",
          args: verifyArgs(`${dir}/allowed_signers`, o.principal, o.namespace, `${dir}/sig`),
          stdin: o.message,
          timeoutMs: 10_000,
        });
        return parseVerify(dec.decode(r.stdout), r.stderr, r.code, o.namespace, o.principal);
      });
    },
    async agentKeys() {
      const r = await run({ cmd: "ssh-add", args: ["-L"], timeoutMs: 10_000 }).catch((e) => {
        if (e instanceof HoistError && e.code === "tool-missing") return undefined;
        throw e;
      });
      if (r === undefined || r.code !== 0) return [];
      return dec.decode(r.stdout).split("\n").map((l) => l.trim()).filter((l) =>
        /^(ssh-|ecdsa-|sk-)/.test(l)
      );
    },
  };
}
