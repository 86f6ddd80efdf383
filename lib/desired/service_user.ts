/**
 * `user = "name"` on a service: in system mode (rootful hoist) the service is deployed rootless
 * for that account: its quadlet folder (`~name/.config/containers/systemd`), its user manager
 * (`systemctl --user -M name@`) and its podman storage. Pure: the name rules, the account facts
 * observe reports, and the problems that refuse a service.
 *
 * @module
 */
import { type Problem, problem } from "../errors.ts";
import type { ObservedAccount } from "../types/observed.ts";
import type { DesiredState } from "./types.ts";

/**
 * A login name hoist accepts: what `useradd` allows by default (lower case, digits, `_`, `-`,
 * starting with a letter or `_`, at most 32), so never `..`, `/`, an option (`-x`) or a uid.
 */
export const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/**
 * Why `name` is not an account name hoist accepts, or undefined when it is.
 *
 * @example
 * ```ts
 * userNameError("e2e"); // undefined
 * userNameError("../root"); // "must be a login name …"
 * ```
 */
export function userNameError(name: unknown): string | undefined {
  if (typeof name !== "string") return `must be a login name (a string), got ${typeof name}`;
  if (USER_NAME.test(name) && name !== "root") return undefined;
  return name === "root"
    ? `"root" is the system manager: leave user out to deploy rootful`
    : `must be a login name (lower-case letters, digits, '_' or '-', starting with a letter or '_', at most 32), got ${
      JSON.stringify(name)
    }`;
}

/**
 * The error that refuses a service whose account is missing or does not linger, with the fix;
 * undefined when the account can run it. `account` undefined: no such account.
 */
export function accountProblem(
  service: string,
  user: string,
  account: ObservedAccount | undefined,
): Problem | undefined {
  if (account === undefined) {
    return problem(
      "error",
      `services.${service}.user: no account ${JSON.stringify(user)} on this host`,
      {
        service,
        hint:
          `Create it (useradd --create-home ${user}), give it subuids (usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${user}) and run loginctl enable-linger ${user}`,
      },
    );
  }
  if (!account.lingers) {
    return problem(
      "error",
      `services.${service}.user: account ${
        JSON.stringify(user)
      } does not linger, so its user manager is not running without a login`,
      { service, hint: `Run loginctl enable-linger ${user}` },
    );
  }
  if (account.subids === false) {
    return problem(
      "warning",
      `services.${service}.user: account ${
        JSON.stringify(user)
      } has no subordinate ids in /etc/subuid and /etc/subgid: rootless podman cannot start its containers`,
      {
        service,
        hint:
          `Run usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${user} (pick a free range)`,
      },
    );
  }
  return undefined;
}

/**
 * Gives each ready service the agent config's `[services.<name>] user` where config.yml sets
 * none; where both do and differ, config.yml's is kept and a warning names the unused one.
 *
 * @example
 * ```ts
 * withAgentUsers(desired, { web: { user: "svc-web" } }, "/etc/hoist/config.toml");
 * ```
 */
export function withAgentUsers(
  desired: DesiredState,
  options: Readonly<
    Record<string, { readonly user?: string; readonly userLine?: number }>
  >,
  file: string,
): DesiredState {
  const problems: Problem[] = [];
  const services = desired.services.map((s) => {
    const o = options[s.name];
    if (o?.user === undefined || s.status !== "ready") return s;
    if (s.user === undefined) {
      return {
        ...s,
        user: { name: o.user, file, ...(o.userLine === undefined ? {} : { line: o.userLine }) },
      };
    }
    if (s.user.name !== o.user) {
      problems.push(problem(
        "warning",
        `[services.${s.name}] user is unused: config.yml sets services.${s.name}.user = ${s.user.name}`,
        { file, line: o.userLine, service: s.name, hint: `Keep one: remove it from ${file}` },
      ));
    }
    return s;
  });
  if (problems.length === 0 && services.every((s, i) => s === desired.services[i])) return desired;
  return { ...desired, services, problems: [...desired.problems, ...problems] };
}
