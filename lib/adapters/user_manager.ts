/**
 * Acting for another account (`user =` on a service, rootful hoist): its user manager, its podman
 * storage and its quadlet folder.
 *
 * Contract (measured in the e2e namespace, systemd 257, podman 5.4, util-linux runuser):
 * - `systemctl --user --machine=NAME@ VERB …` talks to NAME's user manager (which must linger:
 *   `/var/lib/systemd/linger/NAME`), ~0.25 s a call like the system's;
 * - `runuser -u NAME -- podman …` with `XDG_RUNTIME_DIR=/run/user/UID` uses NAME's rootless storage
 *   (~0.1 s; `systemd-run --machine=NAME@ --user --wait --pipe` works too but is slower);
 * - files in `~NAME/.config/containers/systemd` are written by processes running as NAME
 *   (`mkdir -p`, `dd of=`, `chmod 0644`, `mv -f -T`, `rm -f`, `rmdir -p`), so a symlink NAME
 *   planted there never makes root write elsewhere; they are read by hoist itself, refusing
 *   anything but a plain file NAME owns (never a symlink to a file NAME could not read).
 *
 * @module
 */
import { HoistError } from "../errors.ts";
import type { ObservedAccount } from "../types/observed.ts";
import type { Fs } from "./fs.ts";
import { createPodman, type Podman } from "./podman.ts";
import { checked, type CommandSpec, type Runner } from "./run_command.ts";
import { createSystemctl, type ListingSystemctl } from "./systemctl.ts";

/** systemd's linger mark of `name`. */
export function lingerMark(name: string): string {
  return `/var/lib/systemd/linger/${name}`;
}

/** The quadlet folder of `account`'s user manager. */
export function accountQuadletDir(account: Pick<ObservedAccount, "home">): string {
  return `${account.home.replace(/\/+$/, "")}/.config/containers/systemd`;
}

/**
 * `spec` run as `account` through `runuser` (root only), with its runtime folder, so podman finds
 * its rootless storage and systemd's bus.
 *
 * @example
 * ```ts
 * asAccount({ cmd: "podman", args: ["ps"] }, { name: "e2e", uid: 1001 }).args;
 * // ["-u", "e2e", "--", "podman", "ps"]
 * ```
 */
export function asAccount(
  spec: CommandSpec,
  account: Pick<ObservedAccount, "name" | "uid">,
): CommandSpec {
  return {
    ...spec,
    cmd: "runuser",
    args: ["-u", account.name, "--", spec.cmd, ...spec.args],
    cwd: spec.cwd ?? "/",
    env: {
      ...spec.env,
      XDG_RUNTIME_DIR: `/run/user/${account.uid}`,
      DBUS_SESSION_BUS_ADDRESS: `unix:path=/run/user/${account.uid}/bus`,
    },
  };
}

/** A runner whose every command runs as `account` ({@link asAccount}). */
export function runAs(run: Runner, account: Pick<ObservedAccount, "name" | "uid">): Runner {
  return (spec) => run(asAccount(spec, account));
}

/** The account's quadlet files, paths relative to its quadlet folder. */
export interface AccountFiles {
  readonly dir: string;
  /** Content of a plain file the account owns; undefined when absent. Anything else is refused. */
  read(rel: string): Promise<string | undefined>;
  /** Writes as the account: temp file, 0644, rename (folders 0755 by its umask). */
  write(rel: string, content: string): Promise<void>;
  /** Removes as the account, then the sub-folder it leaves empty. */
  remove(rel: string): Promise<void>;
}

/** What hoist uses of another account. */
export interface AccountTarget {
  readonly account: ObservedAccount;
  readonly systemctl: ListingSystemctl;
  readonly podman: Podman;
  readonly files: AccountFiles;
  /** Runs commands as the account (podman image pulls). */
  readonly run: Runner;
}

/** Creates the adapters acting for `account`. */
export function createAccountTarget(run: Runner, account: ObservedAccount): AccountTarget {
  const as = runAs(run, account);
  return {
    account,
    systemctl: createSystemctl(run, "user", "systemctl", account.name),
    podman: createPodman(as),
    files: createAccountFiles(as, account),
    run: as,
  };
}

/** Rejects a relative path that could leave the folder (hoist's own paths never do). */
function inside(rel: string): string {
  if (rel === "" || rel.startsWith("/") || rel.split("/").some((p) => p === ".." || p === ".")) {
    throw new HoistError("fs-failed", `refusing the unit path ${JSON.stringify(rel)}`);
  }
  return rel;
}

function createAccountFiles(as: Runner, account: ObservedAccount): AccountFiles {
  const dir = accountQuadletDir(account);
  const exec = (cmd: string, args: string[], stdin?: string) =>
    checked(as, { cmd, args, ...(stdin === undefined ? {} : { stdin }) });
  return {
    dir,
    async read(rel) {
      const path = `${dir}/${inside(rel)}`;
      let st: Deno.FileInfo;
      try {
        st = await Deno.lstat(path);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
          return undefined;
        }
        throw e;
      }
      if (!st.isFile || st.uid !== account.uid) {
        throw new HoistError(
          "fs-failed",
          `${path} is not a plain file owned by ${account.name}: refusing to read it`,
          `Remove it (hoist writes its own files there as ${account.name})`,
        );
      }
      const file = await Deno.open(path, { read: true });
      try {
        const info = await file.stat();
        if (info.ino !== st.ino || info.uid !== account.uid) {
          throw new HoistError("fs-failed", `${path} changed while hoist read it`);
        }
        return new TextDecoder().decode(await new Response(file.readable).arrayBuffer());
      } catch (e) {
        try {
          file.close();
        } catch {
          // closed by the stream already
        }
        throw e;
      }
    },
    async write(rel, content) {
      const path = `${dir}/${inside(rel)}`;
      const parent = path.slice(0, path.lastIndexOf("/"));
      const tmp = `${parent}/.${path.slice(path.lastIndexOf("/") + 1)}.hoist-tmp`;
      await exec("mkdir", ["-p", "--", parent]);
      await exec("dd", [`of=${tmp}`, "status=none"], content);
      await exec("chmod", ["0644", "--", tmp]);
      await exec("mv", ["-f", "-T", "--", tmp, path]);
    },
    async remove(rel) {
      const r = inside(rel);
      await exec("rm", ["-f", "--", `${dir}/${r}`]);
      const sub = r.includes("/") ? r.slice(0, r.lastIndexOf("/")) : undefined;
      if (sub !== undefined) {
        await checked(as, {
          cmd: "rmdir",
          args: ["-p", "--ignore-fail-on-non-empty", "--", sub],
          cwd: dir,
        });
      }
    },
  };
}

/**
 * The accounts named, from `/etc/passwd` and systemd's linger folder (no process spawned):
 * undefined for a name with no account.
 */
export async function readAccounts(
  fs: Pick<Fs, "readText" | "exists">,
  names: readonly string[],
  passwdPath = "/etc/passwd",
): Promise<Map<string, ObservedAccount | undefined>> {
  const out = new Map<string, ObservedAccount | undefined>();
  if (names.length === 0) return out;
  const passwd = parsePasswd(await fs.readText(passwdPath) ?? "");
  const etc = passwdPath.slice(0, -"passwd".length);
  const [subuid, subgid, group] = await Promise.all(
    [...SUBID_FILES, "group"].map((f) => fs.readText(`${etc}${f}`)),
  );
  for (const name of [...new Set(names)].sort()) {
    const entry = passwd.get(name);
    if (entry === undefined) {
      out.set(name, undefined);
      continue;
    }
    const listed = (text: string | undefined) =>
      text === undefined ? undefined : hasSubids(text, name, entry.uid);
    const u = listed(subuid);
    const g = listed(subgid);
    out.set(name, {
      name,
      ...entry,
      lingers: await fs.exists(lingerMark(name)),
      ...(u === undefined || g === undefined ? {} : { subids: u && g }),
      ...(group === undefined ? {} : { privateGroup: isPrivateGroup(group, passwd, name) }),
    });
  }
  return out;
}

/**
 * Whether `name`'s primary group is its alone: no other account of `passwd` has it as primary
 * group, and `/etc/group` text lists no other member of it.
 *
 * @example
 * ```ts
 * isPrivateGroup("e2e:x:1001:\n", new Map([["e2e", { uid: 1001, gid: 1001, home: "/h" }]]), "e2e"); // true
 * ```
 */
export function isPrivateGroup(
  group: string,
  passwd: ReadonlyMap<string, { uid: number; gid: number; home: string }>,
  name: string,
): boolean {
  const gid = passwd.get(name)?.gid;
  if (gid === undefined) return false;
  if ([...passwd].some(([other, e]) => other !== name && e.gid === gid)) return false;
  const line = group.split("\n").find((l) => l.split(":")[2] === String(gid));
  if (line === undefined) return false;
  const members = (line.split(":")[3] ?? "").split(",").map((m) => m.trim()).filter((m) =>
    m !== ""
  );
  return members.every((m) => m === name);
}

/** The subordinate id files next to passwd. */
const SUBID_FILES = ["subuid", "subgid"] as const;

/**
 * Whether `/etc/subuid`-style `text` gives `name` (or its uid) a range.
 *
 * @example
 * ```ts
 * hasSubids("e2e:100000:65536\n", "e2e", 1001); // true
 * ```
 */
export function hasSubids(text: string, name: string, uid: number): boolean {
  return text.split("\n").some((line) => {
    const [who, start, count] = line.trim().split(":");
    return (who === name || who === String(uid)) && Number(count) > 0 && start !== "";
  });
}

/**
 * Parses `/etc/passwd` text: `name → {uid, gid, home}` for well-formed lines (the first wins).
 *
 * @example
 * ```ts
 * parsePasswd("e2e:x:1001:1001::/home/e2e:/bin/bash\n").get("e2e")?.home; // "/home/e2e"
 * ```
 */
export function parsePasswd(
  text: string,
): Map<string, { uid: number; gid: number; home: string }> {
  const out = new Map<string, { uid: number; gid: number; home: string }>();
  for (const line of text.split("\n")) {
    const f = line.split(":");
    const name = f[0];
    if (f.length < 7 || name === undefined || name === "" || name.startsWith("#")) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    const home = f[5] ?? "";
    if (f[2] === "" || !Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    if (!home.startsWith("/") || out.has(name)) continue;
    out.set(name, { uid, gid, home });
  }
  return out;
}

/**
 * Makes the immutable copy `dir` readable by `account` and nobody else: `root:<its group>`,
 * folders 0750 and files 0640 when its primary group is its own ({@link isPrivateGroup});
 * otherwise owned by it with root's group, folders 0500 and files 0400 (read-only for it). Each
 * folder from `dir`'s parent up to `top` gets o+x (traverse, not list), so the account reaches it.
 */
export async function shareCopy(
  dir: string,
  account: Pick<ObservedAccount, "uid" | "gid" | "privateGroup">,
  top: string,
): Promise<void> {
  const group = account.privateGroup === true;
  const walk = async (path: string) => {
    const st = await Deno.lstat(path);
    if (st.isSymlink) return;
    if (group) await Deno.chown(path, 0, account.gid);
    else await Deno.chown(path, account.uid, 0);
    const mode = group ? (st.isDirectory ? 0o750 : 0o640) : (st.isDirectory ? 0o500 : 0o400);
    await Deno.chmod(path, mode);
    if (!st.isDirectory) return;
    for await (const e of Deno.readDir(path)) await walk(`${path}/${e.name}`);
  };
  await walk(dir);
  const root = top.replace(/\/+$/, "");
  for (
    let p = dir.slice(0, dir.lastIndexOf("/"));
    p.startsWith(root);
    p = p.slice(0, p.lastIndexOf("/"))
  ) {
    const mode = (await Deno.stat(p)).mode ?? 0;
    if ((mode & 0o001) === 0) await Deno.chmod(p, (mode & 0o7777) | 0o001);
    if (p === root) break;
  }
}

/** Looks accounts up and builds their adapters (observe's `AccountAccess`). */
export function createAccountAccess(run: Runner, fs: Pick<Fs, "readText" | "exists">): {
  lookup(names: readonly string[]): Promise<Map<string, ObservedAccount | undefined>>;
  target(account: ObservedAccount): AccountTarget;
} {
  return {
    lookup: (names) => readAccounts(fs, names),
    target: (account) => createAccountTarget(run, account),
  };
}
