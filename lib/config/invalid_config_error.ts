/**
 * {@link invalidConfigError}: the agent config's schema issues → one `config-invalid` error, each
 * issue on its own line with the file and line of its key, and a hint listing the known keys.
 * Pure.
 *
 * @module
 */
import type { z } from "zod";
import { HoistError } from "../errors.ts";
import { findKeyLine } from "./find_key_line.ts";

/** The error for a config text the schema rejected: `<file>:<line>: <key>: <message>` per issue. */
export function invalidConfigError(error: z.ZodError, text: string, file: string): HoistError {
  const messages = error.issues.map((issue) => {
    const unknown = issue.code === "unrecognized_keys" ? issue.keys : [];
    const key = [
      ...issue.path.map((k) => (typeof k === "number" ? k : String(k))),
      ...unknown.slice(0, 1),
    ];
    const line = findKeyLine(text, key);
    const where = line === undefined ? file : `${file}:${line}`;
    return unknown.length > 0
      ? `${where}: unknown key ${
        unknown.map((k) => JSON.stringify([...issue.path, k].join("."))).join(", ")
      }`
      : `${where}: ${key.join(".") || "config"}: ${issue.message}`;
  });
  return new HoistError(
    "config-invalid",
    messages.join("\n"),
    "Known keys: host, mode, quadlet_dir, state_dir, unit_prefix, keep_copies, quadlet_bin, " +
      "[source] or [[sources]] (name, url, branch, branches, path, layout, services, service, compose, ssh_key, " +
      "ssh_known_hosts, token_file, webhook_secret_file), [services.<name>] (pre, post, compose, health, user, urls), [compose] (ignore), [compose.policy] (privileged, network_mode_host, " +
      "ipc_host, pid_host, cap_add, devices, bind_roots, bind_only, external_networks), [trust] (require_signed, gpg_keys, allowed_signers, verify, allow_rollback), " +
      "[secrets] (env, env_files, host_dirs), [serve] (listen, tls_cert, tls_key, interval, body_limit, " +
      "webhook_secret_file, events, refs, status_auth_file), [metrics] (textfile), [[registries]] (host, username, password_file, auth_file, credentials_file), [images] (check_every, prune), [remote] (admin_keys), [rollout] (windows, time_zone, min_commit_age), [state] (keep_deployments), [proxy] (caddy_snippet, reload), [[notify]]",
  );
}
