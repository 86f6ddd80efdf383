/**
 * Rootless hosts (mode = "user"): the user manager outlives logins (linger), `XDG_RUNTIME_DIR`
 * points at the user's runtime folder, the user has subordinate id ranges, and the setuid
 * `newuidmap`/`newgidmap` helpers are installed.
 *
 * @module
 */
import { type CheckResult, result, type RootlessFacts } from "./types.ts";

/** The subordinate id ranges of `user` (by name or uid) in `/etc/subuid` or `/etc/subgid` text. */
export function subIdRanges(
  text: string,
  user: string,
  uid: number,
): { readonly start: number; readonly count: number }[] {
  const out: { start: number; count: number }[] = [];
  for (const line of text.split("\n")) {
    const [who, start, count] = line.trim().split(":");
    if (who !== user && who !== String(uid)) continue;
    const s = Number(start), c = Number(count);
    if (Number.isInteger(s) && Number.isInteger(c) && c > 0) out.push({ start: s, count: c });
  }
  return out;
}

/** Linger: asked of logind, or read from the file `loginctl enable-linger` creates. */
export function checkLinger(r: RootlessFacts): CheckResult {
  const fix =
    `loginctl enable-linger ${r.user} (as root): without it the user's services stop at logout and the timer never runs at boot`;
  if ("linger" in r.loginctl) {
    return r.loginctl.linger
      ? result("linger", "ok", `on for ${r.user}`)
      : result("linger", "error", `off for ${r.user}`, fix);
  }
  return r.lingerFile
    ? result(
      "linger",
      "ok",
      `on for ${r.user} (/var/lib/systemd/linger/${r.user}; loginctl: ${r.loginctl.error})`,
    )
    : result("linger", "error", `off for ${r.user} (loginctl: ${r.loginctl.error})`, fix);
}

/** XDG_RUNTIME_DIR: set, a folder owned by the user, mode 0700. */
export function checkRuntimeDir(r: RootlessFacts, uid: number): CheckResult {
  const id = "XDG_RUNTIME_DIR";
  const dir = r.runtimeDir;
  const fix =
    `Run hoist from the user's systemd manager (systemctl --user), or log in as ${r.user}; ` +
    `with su or sudo set XDG_RUNTIME_DIR=/run/user/${uid}`;
  if (dir === undefined) {
    return result(id, "error", "is not set: systemctl --user cannot reach the user manager", fix);
  }
  if (dir.stat.kind === "missing") return result(id, "error", `${dir.value} does not exist`, fix);
  if (dir.stat.kind !== "dir" || dir.stat.uid !== uid) {
    return result(id, "error", `${dir.value} is not a folder owned by uid ${uid}`, fix);
  }
  return result(id, "ok", dir.value);
}

/** /etc/subuid or /etc/subgid: at least one range of 65536 ids (what images need). */
export function checkSubIds(
  which: "subuid" | "subgid",
  text: string | undefined,
  user: string,
  uid: number,
): CheckResult {
  const fix =
    `usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${user} (as root), then podman system migrate`;
  const ranges = subIdRanges(text ?? "", user, uid);
  const total = ranges.reduce((n, r) => n + r.count, 0);
  if (ranges.length === 0) {
    return result(which, "error", `/etc/${which} has no range for ${user}`, fix);
  }
  if (total < 65536) {
    return result(
      which,
      "warning",
      `/etc/${which} gives ${user} only ${total} ids; images often need 65536`,
      fix,
    );
  }
  return result(which, "ok", ranges.map((r) => `${r.start}+${r.count}`).join(", "));
}

/** newuidmap and newgidmap on PATH. */
export function checkIdMappers(r: RootlessFacts): CheckResult {
  const missing = [
    r.newuidmap === undefined ? "newuidmap" : "",
    r.newgidmap === undefined ? "newgidmap" : "",
  ]
    .filter((m) => m !== "");
  if (missing.length > 0) {
    return result(
      "newuidmap",
      "error",
      `${missing.join(" and ")} not found on PATH: rootless podman cannot map ids`,
      "Install the uidmap package (Debian, Ubuntu) or shadow-utils (Fedora)",
    );
  }
  return result("newuidmap", "ok", `${r.newuidmap}, ${r.newgidmap}`);
}

/** Every rootless check, or none on a rootful host. */
export function checkRootless(r: RootlessFacts | undefined, uid: number): CheckResult[] {
  if (r === undefined) return [];
  return [
    checkLinger(r),
    checkRuntimeDir(r, uid),
    checkSubIds("subuid", r.subuid, r.user, uid),
    checkSubIds("subgid", r.subgid, r.user, uid),
    checkIdMappers(r),
  ];
}
