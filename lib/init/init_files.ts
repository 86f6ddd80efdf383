/**
 * What `hoist init` writes, as pure functions: where each file goes for a mode, the config text
 * (commented, only the keys that differ from the defaults), the allowed_signers text, and what a
 * signer file is.
 *
 * @module
 */
import { dirname } from "node:path";
import type { ConfigContext } from "../config/load_config.ts";
import type { Mode } from "../types/mode.ts";
import { SHIPPED_UNITS } from "./shipped_units.ts";

/** The answers init works from (flags, or the prompts on a terminal). */
export interface InitAnswers {
  readonly mode: Mode;
  readonly repo: string;
  readonly branch: string;
  readonly host: string;
  /** Public key files of who may sign. */
  readonly signers: readonly string[];
  /** Also install hoist-serve.service. */
  readonly serve: boolean;
}

/** Where every file of one init goes. */
export interface InitLayout {
  readonly config: string;
  readonly configDir: string;
  readonly deployKey: string;
  readonly knownHosts: string;
  readonly allowedSigners: string;
  readonly keysDir: string;
  readonly stateDir: string;
  readonly quadletDir: string;
  /** The folder of the service manager's units (`/etc/systemd/system`, `~/.config/systemd/user`). */
  readonly unitDir: string;
}

/** The layout for `mode`, the config at `config`; other files next to it. */
export function initLayout(config: string, mode: Mode, ctx: ConfigContext): InitLayout {
  const configDir = dirname(config);
  const configHome = ctx.env.XDG_CONFIG_HOME || `${ctx.home}/.config`;
  const stateHome = ctx.env.XDG_STATE_HOME || `${ctx.home}/.local/state`;
  return {
    config,
    configDir,
    deployKey: `${configDir}/deploy_key`,
    knownHosts: `${configDir}/known_hosts`,
    allowedSigners: `${configDir}/allowed_signers`,
    keysDir: `${configDir}/keys`,
    stateDir: mode === "user" ? `${stateHome}/hoist` : "/var/lib/hoist",
    quadletDir: mode === "user" ? `${configHome}/containers/systemd` : "/etc/containers/systemd",
    unitDir: mode === "user" ? `${configHome}/systemd/user` : "/etc/systemd/system",
  };
}

/** The units init installs: installed name → text (from quadlets/, embedded). */
export function initUnits(mode: Mode, serve: boolean): { name: string; text: string }[] {
  const pick = (file: string) => SHIPPED_UNITS[file] ?? "";
  const user = mode === "user";
  return [
    { name: "hoist.service", text: pick(user ? "hoist-user.service" : "hoist.service") },
    { name: "hoist.timer", text: pick("hoist.timer") },
    ...(serve
      ? [{
        name: "hoist-serve.service",
        text: pick(user ? "hoist-serve-user.service" : "hoist-serve.service"),
      }]
      : []),
  ];
}

/**
 * A drop-in pointing the units at a config outside the default path (`HOIST_CONFIG`), or
 * undefined when the config is where hoist looks anyway.
 */
export function configDropIn(config: string, defaultPath: string): string | undefined {
  if (config === defaultPath) return undefined;
  const quoted = config.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%");
  return `# written by hoist init: the config is not at the default path\n[Service]\nEnvironment="HOIST_CONFIG=${quoted}"\n`;
}

/** The ssh server of an ssh URL (`ssh://[user@]host[:port]/…` or `user@host:path`), else undefined. */
export function sshServer(url: string): { host: string; port: number } | undefined {
  const full = /^ssh:\/\/(?:[^@/]+@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?\//i.exec(url);
  if (full) return { host: full[1]!.replace(/^\[|\]$/g, ""), port: Number(full[2] ?? 22) };
  const scp = /^(?:[^@/:]+@)?([^/:]+):(?!\/\/)/.exec(url);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return { host: scp[1]!, port: 22 };
  return undefined;
}

/** One signer's public key: ssh (one or more key lines) or an armored gpg public key. */
export type SignerKey =
  | {
    readonly kind: "ssh";
    readonly keys: readonly { type: string; key: string; comment: string }[];
  }
  | { readonly kind: "gpg" };

const SSH_KEY =
  /^((?:ssh|ecdsa|sk-ssh|sk-ecdsa)-[A-Za-z0-9@.-]+)\s+([A-Za-z0-9+/]+={0,3})(?:\s+(.*))?$/;

/** What a signer file holds, or why it is not a public key. */
export function signerKey(text: string): SignerKey | { readonly error: string } {
  if (/PRIVATE KEY/.test(text)) {
    return {
      error: "is a private key; give the public half (the .pub file, or gpg --export --armor)",
    };
  }
  if (text.includes("-----BEGIN PGP PUBLIC KEY BLOCK-----")) return { kind: "gpg" };
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
  const keys = lines.map((l) => SSH_KEY.exec(l));
  if (keys.length === 0 || keys.some((k) => k === null)) {
    return {
      error:
        "is not a public key (an ssh key line such as `ssh-ed25519 AAAA… alice`, or the output of gpg --export --armor)",
    };
  }
  return {
    kind: "ssh",
    keys: keys.map((k) => ({ type: k![1]!, key: k![2]!, comment: k![3]?.trim() ?? "" })),
  };
}

/** A principal name for an allowed_signers line: the key's comment, else the file's name. */
export function principal(comment: string, file: string): string {
  const fromFile = file.slice(file.lastIndexOf("/") + 1).replace(/\.pub$/, "");
  const p = (comment.split(/\s+/)[0] ?? "") || fromFile;
  return p.replace(/[^A-Za-z0-9@._+-]/g, "_") || "signer";
}

/** allowed_signers (git's format) trusting each ssh key for git signatures. */
export function allowedSignersText(
  signers: readonly {
    file: string;
    keys: readonly { type: string; key: string; comment: string }[];
  }[],
): string {
  const lines = [
    "# written by hoist init: who may sign what hoist deploys (ssh-keygen(1) ALLOWED SIGNERS)",
  ];
  for (const s of signers) {
    for (const k of s.keys) {
      lines.push(`${principal(k.comment, s.file)} namespaces="git" ${k.type} ${k.key}`);
    }
  }
  return lines.join("\n") + "\n";
}

const toml = (s: string) => JSON.stringify(s);

/**
 * config.toml for the answers: commented, and only the keys that differ from the defaults
 * (host when not this machine's name, mode when not the one for this uid, branch when not main).
 */
export function initConfigText(
  answers: InitAnswers,
  layout: InitLayout,
  ctx: ConfigContext,
  trust: { readonly allowedSigners: boolean; readonly gpgKeys: readonly string[] },
): string {
  const ssh = sshServer(answers.repo) !== undefined;
  const out = [
    "# hoist agent config, written by hoist init.",
    '# Every key is in README.md, "Config reference"; hoist doctor checks this host against it.',
  ];
  if (answers.host !== ctx.hostname) {
    out.push(`host = ${toml(answers.host)}   # selects gitops/<host>/`);
  }
  if (answers.mode !== (ctx.uid === 0 ? "system" : "user")) {
    out.push(
      `mode = ${toml(answers.mode)}   # ${
        answers.mode === "user" ? "rootless: systemctl --user" : "rootful: the system manager"
      }`,
    );
  }
  out.push("", "[source]", `url = ${toml(answers.repo)}`);
  if (answers.branch !== "main") out.push(`branch = ${toml(answers.branch)}`);
  out.push('# path = "gitops"   # the folder holding one folder per host');
  if (ssh) {
    out.push(
      `ssh_key = ${toml(layout.deployKey)}   # add deploy_key.pub to the Git server (read-only)`,
      `ssh_known_hosts = ${toml(layout.knownHosts)}   # the server's pinned host key`,
    );
  }
  out.push("", "[trust]   # only commits signed by these keys are deployed");
  if (trust.allowedSigners) out.push(`allowed_signers = ${toml(layout.allowedSigners)}`);
  if (trust.gpgKeys.length > 0) out.push(`gpg_keys = [${trust.gpgKeys.map(toml).join(", ")}]`);
  if (!trust.allowedSigners && trust.gpgKeys.length === 0) {
    out.push(
      "# No signer given yet: hoist refuses every commit until one of these is set:",
      `# allowed_signers = ${
        toml(layout.allowedSigners)
      }   # ssh keys, git's allowed_signers format`,
      `# gpg_keys = [${toml(`${layout.keysDir}/alice.asc`)}]   # armored gpg public keys`,
    );
  }
  return out.join("\n") + "\n";
}
