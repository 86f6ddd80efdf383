/**
 * Real signing keys made inside the tests: gpg keys in a throwaway GNUPGHOME, ssh keys with
 * ssh-keygen, and commits signed with either.
 *
 * @module
 */

/** Someone who signs commits. */
export interface Signer {
  /** `git -c …` options that make `commit -S` use this key. */
  readonly gitArgs: readonly string[];
  /** Environment for git while signing (GNUPGHOME for gpg). */
  readonly env: Readonly<Record<string, string>>;
  /** What hoist's plan shows for this signer: the key fingerprint (gpg) or SHA256 (ssh). */
  readonly fingerprint: string;
}

async function run(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
  stdin?: string,
): Promise<string> {
  const child = new Deno.Command(cmd, {
    args,
    env: { GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C", ...env },
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed: ${dec.decode(out.stderr)}`);
  return dec.decode(out.stdout);
}

/**
 * An ssh signing key; appends `principal <options> <key>` to `allowedSigners` when given (pass
 * undefined for a key hoist must not trust). `options` defaults to `namespaces="git"`.
 */
export async function sshSigner(
  dir: string,
  principal: string,
  allowedSigners?: string,
  options = 'namespaces="git"',
): Promise<Signer> {
  await Deno.mkdir(dir, { recursive: true });
  const key = `${dir}/${principal.replace(/\W/g, "_")}_ed25519`;
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", principal, "-f", key]);
  const pub = (await Deno.readTextFile(`${key}.pub`)).trim().split(" ").slice(0, 2).join(" ");
  if (allowedSigners !== undefined) {
    await Deno.writeTextFile(allowedSigners, `${principal} ${options} ${pub}\n`, {
      append: true,
    });
  }
  const fingerprint = (await run("ssh-keygen", ["-l", "-E", "sha256", "-f", `${key}.pub`])).split(
    " ",
  )[1]!;
  return {
    gitArgs: ["-c", "gpg.format=ssh", "-c", `user.signingkey=${key}`],
    env: {},
    fingerprint,
  };
}

/** A `valid-after`/`valid-before` value (`YYYYMMDDHHMMSSZ`) for unix seconds. */
export function sshTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z";
}

/**
 * An ssh certificate authority: its key under `dir`, and the line
 * `principals cert-authority,<options> <ca key>` appended to `allowedSigners`. Returns the CA's
 * private key file.
 */
export async function sshCa(
  dir: string,
  name: string,
  allowedSigners: string,
  principals: string,
  options = 'namespaces="git"',
): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const key = `${dir}/${name}_ca`;
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key]);
  const pub = (await Deno.readTextFile(`${key}.pub`)).trim().split(" ").slice(0, 2).join(" ");
  await Deno.writeTextFile(
    allowedSigners,
    `${principals} cert-authority${options ? `,${options}` : ""} ${pub}\n`,
    { append: true },
  );
  return key;
}

/**
 * An ssh key with a user certificate for `principal` from the CA key `ca`, valid over
 * `validity` (ssh-keygen -V, e.g. `20200101:20200201` or `-1d:+52w`); commits are signed with
 * the certificate.
 */
export async function sshCertSigner(
  dir: string,
  name: string,
  ca: string,
  principal: string,
  validity: string,
): Promise<Signer> {
  await Deno.mkdir(dir, { recursive: true });
  const key = `${dir}/${name}_ed25519`;
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key]);
  await run("ssh-keygen", [
    "-q",
    "-s",
    ca,
    "-I",
    name,
    "-n",
    principal,
    "-V",
    validity,
    `${key}.pub`,
  ]);
  const cert = `${key}-cert.pub`;
  const fingerprint = (await run("ssh-keygen", ["-l", "-E", "sha256", "-f", cert])).split(" ")[1]!;
  return {
    gitArgs: ["-c", "gpg.format=ssh", "-c", `user.signingkey=${cert}`],
    env: {},
    fingerprint,
  };
}

/**
 * A gpg signing key in its own GNUPGHOME under `dir`; its armored public key is written to
 * `publicKey`. `at` back-dates it (gpg's `faked-system-time`, e.g. `20200101T000000`): the key is
 * made then and every signature made with it is dated then (see {@link signAt}); `expire` is
 * gpg's expiry (`never`, `1y`…), counted from its creation.
 */
export async function gpgSigner(
  dir: string,
  uid: string,
  publicKey: string,
  opts: { at?: string; expire?: string } = {},
): Promise<Signer> {
  const home = `${dir}/gnupg-${uid.replace(/\W/g, "_")}`;
  await Deno.mkdir(home, { recursive: true, mode: 0o700 });
  const env = { GNUPGHOME: home };
  if (opts.at !== undefined) await Deno.writeTextFile(`${home}/gpg.conf`, fakedTime(opts.at));
  await run("gpg", [
    "--batch",
    "--pinentry-mode",
    "loopback",
    "--passphrase",
    "",
    "--quick-gen-key",
    uid,
    "ed25519",
    "sign",
    opts.expire ?? "never",
  ], env);
  const colons = await run("gpg", ["--batch", "--with-colons", "--list-keys", uid], env);
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(colons)![1]!;
  await Deno.writeTextFile(
    publicKey,
    await run("gpg", ["--batch", "--armor", "--export", fingerprint], env),
  );
  return {
    gitArgs: ["-c", "gpg.program=gpg", "-c", `user.signingkey=${fingerprint}`],
    env,
    fingerprint,
  };
}

const fakedTime = (at: string) => `faked-system-time ${at}\n`;

/** Dates the gpg signer's next signatures at `at` (gpg's `faked-system-time`), or now when undefined. */
export async function signAt(signer: Signer, at: string | undefined): Promise<void> {
  const conf = `${signer.env.GNUPGHOME}/gpg.conf`;
  if (at === undefined) await Deno.remove(conf).catch(() => {});
  else await Deno.writeTextFile(conf, fakedTime(at));
}

/**
 * Revokes the gpg signer's primary key now, reason "key is no longer used" (what retiring a key
 * is), and rewrites its armored public key at `publicKey` with the revocation.
 */
export async function revokeGpgKey(signer: Signer, publicKey: string): Promise<void> {
  await signAt(signer, undefined);
  await run(
    "gpg",
    [
      "--batch",
      "--command-fd",
      "0",
      "--pinentry-mode",
      "loopback",
      "--passphrase",
      "",
      "--edit-key",
      signer.fingerprint,
    ],
    { ...signer.env },
    "revkey\ny\n3\nretired\n\ny\nsave\n",
  );
  await Deno.writeTextFile(
    publicKey,
    await run("gpg", ["--batch", "--armor", "--export", signer.fingerprint], { ...signer.env }),
  );
}

/** Stops the gpg-agents a gpg signer started. */
export async function stopAgents(dir: string): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory && e.name.startsWith("gnupg-")) {
      await run("gpgconf", ["--kill", "gpg-agent"], { GNUPGHOME: `${dir}/${e.name}` }).catch(
        () => {},
      );
    }
  }
}

/**
 * Writes `files` (null deletes) into the repository at `repo`, then commits everything, signed by
 * `signer` (unsigned when undefined). `date` (ISO 8601) sets the author and committer date, as
 * anyone making a commit may. Returns the commit id.
 */
export async function commitAs(
  repo: string,
  signer: Signer | undefined,
  files: Readonly<Record<string, string | null>>,
  message = "change",
  date?: string,
): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    const full = `${repo}/${path}`;
    if (content === null) await Deno.remove(full);
    else {
      await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(full, content);
    }
  }
  await run("git", ["-C", repo, "add", "--all", "."]);
  await run("git", [
    "-C",
    repo,
    "-c",
    "user.name=hoist tests",
    "-c",
    "user.email=tests@example.invalid",
    ...(signer ? signer.gitArgs : ["-c", "commit.gpgsign=false"]),
    "commit",
    "--quiet",
    "--allow-empty",
    ...(signer ? ["-S"] : []),
    "-m",
    message,
  ], {
    ...signer?.env,
    ...(date === undefined ? {} : { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date }),
  });
  return (await run("git", ["-C", repo, "rev-parse", "HEAD"])).trim();
}

/** Moves branch main of `repo` back to `commit` (what a force-push to an older commit does). */
export async function resetTo(repo: string, commit: string): Promise<void> {
  await run("git", ["-C", repo, "reset", "--quiet", "--hard", commit]);
}
