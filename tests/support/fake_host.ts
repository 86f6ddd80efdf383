/**
 * A FAKE of podman + systemd (user mode) for the integration tests: a {@link Runner} to hand to
 * `buildDeps(config, run)` that answers hoist's `systemctl --user …` and `podman ps …` calls from
 * an in-memory model, runs the programs listed under REAL for real, and fails anything else
 * with exit 127.
 *
 * Why a fake: the CI machine has no systemd as PID 1 (and so no user manager and no rootless
 * podman under it) outside the e2e harness (tests/e2e/setup.sh boots a real systemd + podman in
 * a namespace; tests/e2e runs hoist there). The integration tests run without that harness.
 *
 * REAL, through `createRunner()`: git, gpg, ssh-keygen, sops (the one on the PATH hoist hands
 * it; the secrets tests put the stand-in tests/support/sops there), the quadlet generator at
 * {@link QUADLET_BIN}, and bash (with `HOME` set to the test's home folder, so scripts cannot
 * touch the real one).
 *
 * SIMULATED:
 * - `systemctl --user daemon-reload` runs the real generator (`quadlet -dryrun -user` over the
 *   quadlet folder, as systemd's generator step would); only the units it generates become
 *   `loaded`, and start/restart use the units generated at the last reload, so a missing reload
 *   shows up as `Unit … not found`.
 * - `start`/`restart` activate a unit and what it Requires=/BindsTo= (which must exist) and
 *   Wants= (skipped when missing); a unit in {@link FakeHost.failStart} fails to start. A
 *   container unit gets a container named and labelled as its generated `podman run` says, plus
 *   `PODMAN_SYSTEMD_UNIT`. A restart also restarts the active units that require the unit.
 * - `stop` deactivates the unit and, through Requires=/BindsTo=, what requires it; its container
 *   goes away (quadlet runs containers with `--rm`).
 * - `systemctl show` gives Id, LoadState, ActiveState and SubState; `systemctl list-units` the
 *   same states as `UNIT LOAD ACTIVE SUB DESCRIPTION` lines for the generated or active units
 *   among those named (systemd lists only units it holds in memory).
 * - `podman ps -a --format json` lists the containers, filtered by `--filter label=K[=V]`;
 *   `podman pod ps`, `network ls` and `volume ls` (`--format json`) list nothing.
 * - local images: none at first; `podman pull [--quiet] [--authfile F] -- REF` adds REF (an id
 *   from a counter) unless {@link FakeHost.refusePull} names it (then it fails with that
 *   message, as a registry's refusal); `podman image inspect --format {{.Id}} -- REF` answers
 *   the id of a pulled REF, and fails for any other; `podman rmi -- ID` forgets the references
 *   naming ID.
 *
 * NOT MODELLED: system mode (anything without `--user` fails); SourcePath/FragmentPath in
 * `systemctl show` (so a unit name taken by a file hoist did not write is never seen), and any
 * unit not generated from the quadlet folder; ordering (After=/Before=), PartOf=, Restart=,
 * timers and jobs (every change is instant); a Wants= dependency that fails to start (systemd
 * would start the unit anyway; the fake fails it); containers that exit after starting (State
 * is always `running`, Image always busybox, ids and StartedAt come from a counter); image
 * contents, registries and digests; networks, volumes and pods in podman (their units only become active, their listings are
 * empty); any other podman or
 * systemctl command.
 *
 * Every command hoist spawns is recorded (the generator run at daemon-reload is systemd's, not
 * hoist's, and is not).
 *
 * @module
 */
import { splitWords } from "../../lib/desired/labels.ts";
import { QUADLET_PATHS } from "../../lib/adapters/quadlet.ts";
import {
  type CommandResult,
  type CommandSpec,
  createRunner,
  type Runner,
} from "../../lib/adapters/run_command.ts";
import { countingRunner } from "./counting_runner.ts";

/** The real quadlet generator, or undefined where it is not installed. */
export const QUADLET_BIN: string | undefined = QUADLET_PATHS.find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

/** A container in the fake podman. */
export interface FakeContainer {
  readonly id: string;
  readonly name: string;
  readonly unit: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly startedAt: number;
}

/** What the fake systemd generated for one unit at the last daemon-reload. */
interface GeneratedUnit {
  /** Units pulled in: those of `requires`, then Wants= (which may be missing). */
  readonly needs: readonly string[];
  /** Units named by Requires= and BindsTo= (must exist; a stop of one stops this unit). */
  readonly requires: readonly string[];
  /** For container units: the `podman run` labels and name. */
  readonly run?: { readonly name: string; readonly labels: Record<string, string> };
}

/** Something the fake systemd did, with the quadlet files on disk at that moment. */
export interface HostEvent {
  /** `daemon-reload`, `start`, `restart` or `stop`. */
  readonly op: string;
  readonly units: readonly string[];
  /** Files under quadlet_dir (relative paths, sorted) when it happened. */
  readonly files: readonly string[];
}

/** The FAKE host: a {@link Runner} for hoist's adapters, plus what it recorded. */
export interface FakeHost {
  /** Hand this to `buildDeps(config, run)`. */
  readonly run: Runner;
  /** Every command hoist spawned, in order (from `countingRunner`). */
  readonly calls: CommandSpec[];
  /** What the fake systemd did, in order. */
  readonly events: HostEvent[];
  /** Units whose start fails (as if the container exited at once). */
  readonly failStart: Set<string>;
  /** Local images: reference → id (filled by `podman pull`). */
  readonly images: Map<string, string>;
  /** References whose pull fails, with podman's message. */
  readonly refusePull: Map<string, string>;
  /** `git fetch`, `podman ps`, `systemctl show`, `bash`, `quadlet`… for each recorded call. */
  commands(): string[];
  /** Forgets the recorded calls and events (the host state stays). */
  clear(): void;
  /** systemd's view of `unit`. */
  unit(unit: string): { load: string; active: string };
  /** Containers podman would list, sorted by unit. */
  containers(): FakeContainer[];
  /** The container run by `unit`, if any. */
  container(unit: string): FakeContainer | undefined;
}

/**
 * Creates the FAKE podman + systemd (user mode) described at the top of this file, for one host
 * whose quadlet folder is `quadletDir`; bash runs with `HOME=home`.
 */
export function createFakeHost(opts: {
  readonly quadletDir: string;
  readonly home: string;
}): FakeHost {
  const real = createRunner();
  let generated = new Map<string, GeneratedUnit>();
  const active = new Map<string, "active" | "failed">();
  const containers = new Map<string, FakeContainer>();
  const events: HostEvent[] = [];
  const failStart = new Set<string>();
  const images = new Map<string, string>();
  const refusePull = new Map<string, string>();
  let serial = 0;

  const enc = new TextEncoder();
  const ok = (stdout = ""): CommandResult => ({ code: 0, stdout: enc.encode(stdout), stderr: "" });
  const fail = (code: number, stderr: string): CommandResult => ({
    code,
    stdout: new Uint8Array(),
    stderr,
  });

  const daemonReload = async () => {
    if (QUADLET_BIN === undefined) throw new Error("the fake host needs the quadlet generator");
    // systemd's own generator run: not a command hoist spawns, so it is not recorded.
    const r = await real({
      cmd: QUADLET_BIN,
      args: ["-dryrun", "-no-kmsg-log", "-user"],
      env: { QUADLET_UNIT_DIRS: opts.quadletDir },
    });
    generated = parseGenerated(new TextDecoder().decode(r.stdout));
  };

  const activate = (unit: string, seen: Set<string>): string | undefined => {
    if (seen.has(unit)) return;
    seen.add(unit);
    const g = generated.get(unit);
    if (!g) return `Unit ${unit} not found.`;
    for (const dep of g.needs) {
      // A Wants= on a unit quadlet did not generate (podman-user-wait-network-online.service)
      // is ignored, as systemd does; a Requires= on a missing unit fails the start.
      if (!generated.has(dep) && !g.requires.includes(dep)) continue;
      const err = activate(dep, seen);
      if (err) return `${unit} requires ${dep}: ${err}`;
    }
    if (active.get(unit) === "active") return;
    if (failStart.has(unit)) {
      active.set(unit, "failed");
      return `Job for ${unit} failed because the control process exited with error code.`;
    }
    active.set(unit, "active");
    if (g.run) {
      serial++;
      containers.set(unit, {
        id: serial.toString(16).padStart(12, "0"),
        name: g.run.name,
        unit,
        labels: { ...g.run.labels, PODMAN_SYSTEMD_UNIT: unit },
        startedAt: 1_700_000_000 + serial,
      });
    }
  };

  const deactivate = (unit: string) => {
    if (!active.has(unit)) return;
    active.delete(unit);
    containers.delete(unit);
    // Requires=/BindsTo= propagate a stop to the units that require `unit` (Wants= does not).
    for (const [other, g] of generated) {
      if (active.has(other) && g.requires.includes(unit)) deactivate(other);
    }
  };

  const dependents = (unit: string, acc: string[] = []): string[] => {
    for (const [other, g] of generated) {
      if (active.has(other) && g.requires.includes(unit) && !acc.includes(other)) {
        acc.push(other);
        dependents(other, acc);
      }
    }
    return acc;
  };

  const systemctl = async (args: readonly string[]): Promise<CommandResult> => {
    if (args[0] !== "--user") return fail(1, "fake systemctl: expected --user (mode user)");
    const verb = args[1];
    const dash = args.indexOf("--");
    const units = dash < 0 ? [] : args.slice(dash + 1);
    if (verb !== "show" && verb !== "list-units" && verb !== "reset-failed") {
      events.push({ op: verb ?? "", units, files: await listFiles(opts.quadletDir) });
    }
    switch (verb) {
      case "show": {
        const blocks = units.map((u) => {
          const load = generated.has(u) ? "loaded" : "not-found";
          const state = active.get(u) ?? "inactive";
          const sub = state === "active" ? "running" : state === "failed" ? "failed" : "dead";
          return `Id=${u}\nLoadState=${load}\nActiveState=${state}\nSubState=${sub}\n`;
        });
        return ok(blocks.join("\n"));
      }
      case "list-units": {
        // systemd lists the units it holds in memory: here, the generated ones and active ones
        const lines = units.filter((u) => generated.has(u) || active.has(u)).map((u) => {
          const load = generated.has(u) ? "loaded" : "not-found";
          const state = active.get(u) ?? "inactive";
          const sub = state === "active" ? "running" : state === "failed" ? "failed" : "dead";
          return `${u} ${load} ${state} ${sub} ${u}\n`;
        });
        return ok(lines.join(""));
      }
      case "daemon-reload":
        await daemonReload();
        return ok();
      case "reset-failed":
        return ok();
      case "start":
      case "restart": {
        const errors: string[] = [];
        for (const u of units) {
          // Requires= propagates a restart to the active units that require `u`.
          const again = verb === "restart" && generated.has(u) ? dependents(u) : [];
          if (verb === "restart") deactivate(u);
          const err = activate(u, new Set());
          if (err) errors.push(`Failed to ${verb} ${u}: ${err}`);
          else for (const d of again) activate(d, new Set());
        }
        return errors.length === 0 ? ok() : fail(5, errors.join("\n") + "\n");
      }
      case "stop":
        for (const u of units) deactivate(u);
        return ok();
      default:
        return fail(1, `fake systemctl: unsupported command ${args.join(" ")}`);
    }
  };

  const podman = (args: readonly string[]): CommandResult => {
    const listing = `${args[0]} ${args[1]}`;
    if (listing === "pod ps" || listing === "network ls" || listing === "volume ls") {
      // no pods, networks or volumes are modelled: their listings are empty
      return args.includes("json") ? ok("[]\n") : fail(125, `fake podman: ${listing} needs json`);
    }
    const ref = args[args.length - 1] ?? "";
    if (args[0] === "pull" && args[args.length - 2] === "--") {
      const refused = refusePull.get(ref);
      if (refused !== undefined) return fail(125, `Error: ${refused}\n`);
      images.set(ref, images.get(ref) ?? `${++serial}`.padStart(64, "f"));
      return ok(`${images.get(ref)}\n`);
    }
    if (args[0] === "rmi" && args[1] === "--") {
      const gone = [...images].filter(([, id]) => id === args[2]).map(([r]) => r);
      for (const r of gone) images.delete(r);
      return gone.length > 0 ? ok() : fail(1, `Error: ${args[2]}: image not known\n`);
    }
    if (listing === "image inspect" && args.includes("{{.Id}}")) {
      const id = images.get(ref);
      return id === undefined ? fail(125, `Error: ${ref}: image not known\n`) : ok(`${id}\n`);
    }
    if (args[0] !== "ps" || !args.includes("-a") || !args.includes("json")) {
      return fail(125, `fake podman: unsupported command ${args.join(" ")}`);
    }
    const filters = args.flatMap((a, i) => (args[i - 1] === "--filter" ? [a] : []));
    const rows = [...containers.values()]
      .filter((c) =>
        filters.every((f) => {
          const m = /^label=([^=]+)(?:=(.*))?$/.exec(f);
          if (!m) return true;
          const v = c.labels[m[1]!];
          return v !== undefined && (m[2] === undefined || v === m[2]);
        })
      )
      .map((c) => ({
        Id: c.id.padEnd(64, "0"),
        Names: [c.name],
        State: "running",
        Labels: c.labels,
        StartedAt: c.startedAt,
        Image: "docker.io/library/busybox:1.36",
      }));
    return ok(JSON.stringify(rows, null, 2));
  };

  const dispatch: Runner = (spec) => {
    const prog = spec.cmd.split("/").pop();
    if (
      prog === "git" || prog === "gpg" || prog === "ssh-keygen" || prog === "sops" ||
      spec.cmd === QUADLET_BIN
    ) {
      return real(spec);
    }
    if (prog === "bash") return real({ ...spec, env: { ...spec.env, HOME: opts.home } });
    if (prog === "systemctl") return systemctl(spec.args);
    if (prog === "podman") return Promise.resolve(podman(spec.args));
    return Promise.resolve(fail(127, `fake host: unexpected command ${spec.cmd}`));
  };
  const counted = countingRunner(dispatch);

  return {
    run: counted.run,
    calls: counted.calls,
    events,
    failStart,
    images,
    refusePull,
    commands: () => counted.calls.map(describeCommand),
    clear() {
      counted.calls.length = 0;
      events.length = 0;
    },
    unit: (u) => ({
      load: generated.has(u) ? "loaded" : "not-found",
      active: active.get(u) ?? "inactive",
    }),
    containers: () => [...containers.values()].sort((a, b) => (a.unit < b.unit ? -1 : 1)),
    container: (u) => containers.get(u),
  };
}

/** Short name of a recorded command: program plus sub-command (`git fetch`, `systemctl show`). */
function describeCommand(spec: CommandSpec): string {
  const prog = spec.cmd.split("/").pop()!;
  if (prog === "bash" || prog === "quadlet") return prog;
  for (let i = 0; i < spec.args.length; i++) {
    const a = spec.args[i]!;
    if (a === "-C" || a === "-c") i++; // git's -C DIR and -c KEY=VALUE take a value
    else if (!a.startsWith("-")) return `${prog} ${a}`;
  }
  return prog;
}

/** Files under `dir` (recursively; relative paths, sorted); none when `dir` does not exist. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(rel === "" ? dir : `${dir}/${rel}`)) {
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory) await walk(path);
      else if (e.isFile) out.push(path);
    }
  };
  try {
    await walk("");
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  return out.sort((a, b) => (a < b ? -1 : 1));
}

/** Parses `quadlet -dryrun` output (`---name.service---` blocks) into what the fake needs. */
function parseGenerated(stdout: string): Map<string, GeneratedUnit> {
  const out = new Map<string, GeneratedUnit>();
  const parts = stdout.split(/^---(.+)---$/m);
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const unit = parts[i]!.trim();
    const body = parts[i + 1]!;
    const list = (keys: string) =>
      [...body.matchAll(new RegExp(`^(?:${keys})=(.*)$`, "gm"))]
        .flatMap((m) => m[1]!.trim().split(/\s+/)).filter((u) => u !== "");
    const requires = list("Requires|BindsTo");
    const needs = [...requires, ...list("Wants")];
    const exec = /^ExecStart=\S*podman run (.*)$/m.exec(body)?.[1];
    let run: GeneratedUnit["run"];
    if (exec !== undefined) {
      const words = splitWords(exec);
      const labels: Record<string, string> = {};
      let name = `systemd-${unit.replace(/\.service$/, "")}`;
      for (let w = 0; w < words.length; w++) {
        if (words[w] === "--label") {
          const kv = words[++w] ?? "";
          const eq = kv.indexOf("=");
          if (eq > 0) labels[kv.slice(0, eq)] = kv.slice(eq + 1);
        } else if (words[w] === "--name") {
          name = (words[++w] ?? name).replaceAll("%N", unit.replace(/\.service$/, ""));
        }
      }
      run = { name, labels };
    }
    out.set(unit, run ? { needs, requires, run } : { needs, requires });
  }
  return out;
}
