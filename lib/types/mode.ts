/**
 * Whether hoist runs against the user's systemd manager (rootless podman) or the system's.
 *
 * @module
 */

/** `user`: `systemctl --user`, `~/.config/containers/systemd`; `system`: the system manager. */
export type Mode = "user" | "system";
