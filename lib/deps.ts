/**
 * The one bundle of adapters passed down from main.ts; tests build their own around a fake
 * runner. Everything that touches the host is reached through it.
 *
 * @module
 */
import { createFs, type Fs } from "./adapters/fs.ts";
import { createGit, type Git } from "./adapters/git.ts";
import { acquireLock } from "./adapters/lock.ts";
import { createPodman, type Podman } from "./adapters/podman.ts";
import { createQuadlet, type Quadlet, QUADLET_PATHS } from "./adapters/quadlet.ts";
import { readDirTree } from "./adapters/read_dir_tree.ts";
import { createRunner, type Runner } from "./adapters/run_command.ts";
import { createScripts, type Scripts } from "./adapters/scripts.ts";
import { createSignatures } from "./adapters/signatures.ts";
import { createSops, type Sops } from "./adapters/sops.ts";
import { createSystemctl, type ListingSystemctl } from "./adapters/systemctl.ts";
import { createAccountAccess } from "./adapters/user_manager.ts";
import type { AccountAccess } from "./observed/observe_accounts.ts";
import type { Config } from "./config/load_config.ts";
import { openStore, type Store } from "./state/store.ts";
import type { Signatures } from "./trust/types.ts";
import type { RepoTree } from "./types/repo_tree.ts";

/** Everything that touches the outside world. */
export interface Deps {
  readonly run: Runner;
  readonly fs: Fs;
  readonly git: Git;
  readonly podman: Podman;
  readonly systemctl: ListingSystemctl;
  /** Other accounts (services with `user =`, system mode only); absent: none is reached. */
  readonly accounts?: AccountAccess;
  readonly quadlet: Quadlet;
  readonly scripts: Scripts;
  readonly signatures: Signatures;
  readonly sops: Sops;
  /** hoist's environment (variables for `.env` files). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly openStore: (path: string) => Store;
  /**
   * Takes the exclusive lock at `path`, waiting up to `timeoutMs` (`onWait` is told the holder's
   * pid when the lock is not free at once); returns its release.
   */
  readonly lock: (
    path: string,
    timeoutMs: number,
    onWait?: (holder: string | undefined) => void,
  ) => Promise<() => void>;
  /** Reads a folder on disk as a repository snapshot (`hoist validate`). */
  readonly readDirTree: (dir: string) => Promise<RepoTree>;
  /** The working folder, for relative source paths. */
  readonly cwd: () => string;
  readonly clock: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
}

/** What the adapters need to know of the agent config. */
export type DepsConfig = Pick<Config, "mode" | "quadletBin">;

/** Builds the real adapters for `config` around `run` (a counting runner in tests). */
export async function buildDeps(config: DepsConfig, run: Runner = createRunner()): Promise<Deps> {
  const fs = createFs();
  let quadletBin = config.quadletBin;
  if (quadletBin === undefined) {
    for (const p of QUADLET_PATHS) {
      if (await fs.exists(p)) {
        quadletBin = p;
        break;
      }
    }
  }
  return {
    run,
    fs,
    git: createGit(run, fs),
    podman: createPodman(run),
    systemctl: createSystemctl(run, config.mode),
    ...(config.mode === "system" ? { accounts: createAccountAccess(run, fs) } : {}),
    quadlet: createQuadlet(run, fs, config.mode, quadletBin),
    scripts: createScripts(run),
    signatures: createSignatures(run, fs),
    sops: createSops(run),
    env: Deno.env.toObject(),
    openStore,
    lock: acquireLock,
    readDirTree: (dir) => readDirTree(dir),
    cwd: () => Deno.cwd(),
    clock: () => new Date(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
}
