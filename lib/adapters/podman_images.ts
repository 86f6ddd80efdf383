/**
 * podman's images: which image a reference names now, and pulling it. `podman pull` uses podman's
 * own registry configuration and credentials (`registries.conf`, `auth.json` from `podman login`),
 * so private registries work as they do for podman itself.
 *
 * @module
 */
import { HoistError } from "../errors.ts";
import { CommandTimeout, type Runner } from "./run_command.ts";

/** What hoist asks of podman about images. */
export interface PodmanImages {
  /** The local image id `ref` names, or undefined when there is none. */
  imageId(ref: string): Promise<string | undefined>;
  /**
   * The registry digests the local image `ref` names was pulled or pushed by
   * (`podman image inspect --format {{json .RepoDigests}}`: `repo@sha256:…`, for a multi-arch
   * image the list's digest as well as the instance's); undefined when there is no such image.
   */
  repoDigests(ref: string): Promise<string[] | undefined>;
  /**
   * Removes the local image `id` (`podman rmi`, never forced): false when podman refuses, e.g.
   * because a container still uses it.
   */
  remove(id: string): Promise<boolean>;
  /**
   * Pulls `ref` (with `authFile`, hoist's auth.json, when given); throws a HoistError with the
   * registry's message when it cannot.
   */
  pull(ref: string, timeoutMs: number, authFile?: string): Promise<void>;
}

/** A reference podman may be handed as one argument (no option, no whitespace). */
const REFERENCE = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/;

/** Creates the adapter. */
export function createPodmanImages(run: Runner, bin = "podman"): PodmanImages {
  const refOk = (ref: string) => {
    if (!REFERENCE.test(ref)) {
      throw new HoistError("manifest-invalid", `not an image reference: ${JSON.stringify(ref)}`);
    }
  };
  return {
    async imageId(ref) {
      refOk(ref);
      const r = await run({
        cmd: bin,
        args: ["image", "inspect", "--format", "{{.Id}}", "--", ref],
      });
      const id = new TextDecoder().decode(r.stdout).trim();
      return r.code === 0 && /^[0-9a-f]{64}$/.test(id) ? id : undefined;
    },
    async repoDigests(ref) {
      refOk(ref);
      const r = await run({
        cmd: bin,
        args: ["image", "inspect", "--format", "{{json .RepoDigests}}", "--", ref],
      });
      if (r.code !== 0) return undefined;
      return parseRepoDigests(new TextDecoder().decode(r.stdout));
    },
    async remove(id) {
      refOk(id);
      const r = await run({ cmd: bin, args: ["rmi", "--", id] });
      return r.code === 0;
    },
    async pull(ref, timeoutMs, authFile) {
      refOk(ref);
      const auth = authFile === undefined ? [] : ["--authfile", authFile];
      let r;
      try {
        r = await run({ cmd: bin, args: ["pull", "--quiet", ...auth, "--", ref], timeoutMs });
      } catch (e) {
        if (e instanceof CommandTimeout) {
          throw new HoistError(
            "command-failed",
            `pulling ${ref} timed out after ${timeoutMs / 1000} s`,
            "Check that the registry answers from this host; the service keeps running its current image",
          );
        }
        throw e;
      }
      if (r.code !== 0) {
        const reason = r.stderr.trim().split("\n").filter((l) => l.trim() !== "").slice(-2).join(
          "; ",
        );
        throw new HoistError(
          "command-failed",
          `cannot pull ${ref}: ${reason || `podman exited ${r.code}`}`,
          /unauthorized|authentication required|denied/i.test(reason)
            ? "Give hoist this registry's credentials ([[registries]] in the agent config) or log in as the user hoist runs as (podman login REGISTRY)"
            : "Check the image name and that the registry answers; the service keeps running its current image",
        );
      }
    },
  };
}

/**
 * `["127.0.0.1:5000/a/web@sha256:…", …]` (podman's `{{json .RepoDigests}}`) → each entry that
 * ends in a sha256 digest; anything else is dropped.
 */
export function parseRepoDigests(text: string): string[] {
  let list: unknown;
  try {
    list = JSON.parse(text.trim() || "null");
  } catch {
    return [];
  }
  return Array.isArray(list)
    ? list.filter((d): d is string => typeof d === "string" && /@sha256:[0-9a-f]{64}$/.test(d))
    : [];
}
