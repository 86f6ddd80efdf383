/**
 * `deno task bench:noop`: what a no-op `hoist apply` costs against a real systemd and podman (the
 * e2e namespace of tests/e2e/setup.sh), next to the floor measured the same way in the same run.
 *
 * For each N it deploys N tiny generated services (busybox, `Network=none`), checks they run and
 * that a plan says "No changes", then takes the median of `--runs` runs, interleaved, of
 *
 * - `hoist apply --quiet` (the timer's command line, through the same `/usr/local/bin/hoist`),
 * - the same as shipped, as near as this machine allows (`deno compile` needs a download it cannot
 *   make): main.ts bundled, split at its dynamic imports (`deno bundle --code-splitting`, what
 *   `deno task bench:startup` runs too), run by the same deno with the compile task's V8 flags, on
 *   its own copy of state_dir (hoist's caches are keyed on its build: two builds taking turns on
 *   one state_dir would miss every run) and its own DENO_DIR (likewise Deno's V8 code cache), and
 * - the floor (issue 10's): Deno start (a hello world through a copy of that wrapper) + the
 *   `git fetch` hoist ran + the slower of the `podman ps` hoist ran and `systemctl show` of the
 *   units hoist asks about (hoist runs its two listings at once), each with hoist's own argv, read
 *   from its `--verbose` log. hoist's own systemctl call (`list-units` on a no-op) is timed too,
 *   with the ratio against the floor made of it.
 *
 * Every run is timed inside the namespace (`date +%s%N` around it), so nsenter is not counted.
 * It also reports hoist's peak RSS (VmHWM at exit, from a `--preload`ed module; median of 3 runs;
 * from source and as shipped),
 * the processes it spawned (its `--verbose` spawn lines; with strace on the host, every process
 * below it too) and the daemon-reloads the manager logged during all the no-op runs (any client).
 * Rootful by default (`--mode user` for the rootless manager). Nothing about timing is asserted.
 *
 * With several N it also prints each N's no-op time against the smallest N's (issue 10's target:
 * 500 services at most 2× the 50-service time).
 *
 *     deno task bench:noop [--n 50,200,500] [--runs 7] [--mode system|user] [--json] [--keep]
 *
 * `--keep` leaves the last N's services deployed and prints the commands to run them again (with
 * `HOIST_TRACE=1` to see where the time goes); the next bench run removes them first.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { bundleMain, compileV8Flags } from "./shipped_build.ts";
import { GIT_ENV } from "../lib/adapters/git.ts";
import { SHOW_PROPERTIES } from "../lib/adapters/systemctl.ts";
import {
  containers,
  E2E_OPT,
  E2E_USER,
  IMAGE,
  IN_SYSTEMD,
  inside,
  insideOk,
  prepare,
  Repo,
  ROOT,
  sh,
  spawned,
  sweep,
  unavailable,
  type Who,
} from "../tests/e2e/harness.ts";

const PREFIX = "bench-";
const HOST = "benchhost";
/** The bench's helpers, readable inside by root and the test user. */
const BENCH = `${E2E_OPT}/bench`;
const HOIST = "/usr/local/bin/hoist";
/** The DENO_DIR of the bundled build (its V8 code cache apart from the from-source runs'). */
const SHIPPED_DENO_DIR = `${BENCH}/deno-dir-shipped`;

/** One measured N. Times in milliseconds, RSS in KiB. */
interface Result {
  readonly n: number;
  readonly runs: number;
  readonly setupApplyMs: number;
  readonly hoistMs: number;
  /** The same command as shipped: bundled, the compile task's V8 flags. */
  readonly shippedMs: number;
  readonly floorMs: number;
  readonly ratio: number;
  readonly floor: {
    readonly denoStartMs: number;
    readonly gitFetchMs: number;
    readonly podmanPsMs: number;
    readonly systemctlShowMs: number;
  };
  /** hoist's own systemctl call (list-units on a no-op), the same way. */
  readonly unitStatesMs: number;
  /** deno + fetch + max(ps, hoist's own systemctl call): the floor of what hoist now runs. */
  readonly ownFloorMs: number;
  readonly samplesMs: Readonly<Record<string, readonly number[]>>;
  readonly hoistPeakRssKiB: number;
  readonly shippedPeakRssKiB: number;
  /** What hoist itself spawned (`--verbose`), e.g. `git fetch`. */
  readonly spawned: readonly string[];
  /** Every process below hoist (strace -f on the host), or null without strace. */
  readonly processes: number | null;
  readonly processPrograms: Readonly<Record<string, number>> | null;
  /** No-op applies run, and reloads the manager logged meanwhile (by any client). */
  readonly noopRuns: number;
  readonly daemonReloads: number;
  /** `systemctl daemon-reload`s hoist ran in the `--verbose` run and the strace run. */
  readonly hoistReloads: number;
  readonly hoistReloadRuns: number;
}

const USAGE =
  "deno task bench:noop [--n 50,200,500] [--runs 7] [--mode system|user] [--json] [--keep]";
const { values: opts } = argsOrUsage(() =>
  parseArgs({
    options: {
      n: { type: "string", default: "50,200,500" },
      runs: { type: "string", default: "7" },
      mode: { type: "string", default: "system" },
      json: { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  })
);
if (opts.help) {
  console.log(USAGE);
  Deno.exit(0);
}
const sizes = opts.n.split(",").map(Number);
const runs = Number(opts.runs);
if (sizes.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(runs) || runs < 1) {
  usage("--n takes positive integers separated by commas, --runs a positive integer");
}
if (opts.mode !== "system" && opts.mode !== "user") usage("--mode is system or user");
const who: Who = opts.mode;

/** The parsed arguments, or the usage on stderr and exit 64 when they do not parse. */
function argsOrUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    usage(`${e instanceof Error ? e.message : String(e)}\nusage: ${USAGE}`);
  }
}

function usage(message: string): never {
  console.error(`bench:noop: ${message}`);
  Deno.exit(64);
}

/** A set-up or measuring step that failed: the bench stops, removes its services, exits 1. */
class BenchError extends Error {}

function fail(message: string): never {
  throw new BenchError(message);
}

function progress(message: string): void {
  console.error(`bench:noop: ${message}`);
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Installs the timing script, the hello world, a copy of the hoist wrapper running it, and one
 * preloading the peak-RSS reporter. */
async function installHelpers(): Promise<void> {
  await prepare();
  await Deno.mkdir(BENCH, { recursive: true });
  const files: Record<string, string> = {
    // timed CMD...: runs CMD once (output discarded); prints "<microseconds> <exit code>"
    timed: `#!/bin/sh
s=$(date +%s%N); "$@" >/dev/null 2>&1; c=$?; e=$(date +%s%N)
echo "$(( (e - s) / 1000 )) $c"
`,
    "hello.ts": 'console.log("hello");\n',
    "hwm.ts": `globalThis.addEventListener("unload", () => {
  const kib = /VmHWM:\\s+(\\d+)/.exec(Deno.readTextFileSync("/proc/self/status"))?.[1];
  Deno.stderr.writeSync(new TextEncoder().encode(\`bench-vmhwm-kib \${kib}\\n\`));
});
`,
  };
  const wrapper = await insideOk("system", ["cat", HOIST]);
  const main = `${E2E_OPT}/src/main.ts`;
  if (!wrapper.includes(main) || !wrapper.includes(" run ")) {
    fail(`${HOIST} does not run ${main} with deno run:\n${wrapper}`);
  }
  files.hello = wrapper.replace(main, `${BENCH}/hello.ts`);
  files["hoist-rss"] = wrapper.replace(" run ", ` run --preload ${BENCH}/hwm.ts `);
  const flags = await compileV8Flags(ROOT).catch((e) =>
    fail(e instanceof Error ? e.message : String(e))
  );
  // its own DENO_DIR: sharing the from-source runs' one, each run of one build found the V8 code
  // cache rewritten by the other (measured: 75 ms more per run, interleaved); a compiled binary
  // shares no cache with anything
  const denoDir = `DENO_DIR=${E2E_OPT}/deno-dir `;
  if (!wrapper.includes(denoDir)) fail(`${HOIST} sets no ${denoDir.trim()}:\n${wrapper}`);
  await sh("rm", ["-rf", SHIPPED_DENO_DIR]);
  await Deno.mkdir(SHIPPED_DENO_DIR, { recursive: true });
  await sh("cp", ["-a", `${E2E_OPT}/deno-dir/npm`, `${SHIPPED_DENO_DIR}/npm`]);
  await sh("chmod", ["-R", "a+rwX", SHIPPED_DENO_DIR]);
  const shipped = wrapper.replace(main, `${BENCH}/bundle/main.js`)
    .replace(denoDir, `DENO_DIR=${SHIPPED_DENO_DIR} `)
    .replace(" run ", ` run ${flags} `);
  files["hoist-shipped"] = shipped;
  files["hoist-shipped-rss"] = shipped.replace(" run ", ` run --preload ${BENCH}/hwm.ts `);
  await bundle(`${BENCH}/bundle`);
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${BENCH}/${name}`, text);
    await Deno.chmod(`${BENCH}/${name}`, name.endsWith(".ts") ? 0o644 : 0o755);
  }
  await Deno.chmod(BENCH, 0o755);
}

/** main.ts bundled into `outdir` as shipped (scripts/shipped_build.ts), readable by any user. */
async function bundle(outdir: string): Promise<void> {
  await bundleMain(ROOT, outdir).catch((e) => fail(e instanceof Error ? e.message : String(e)));
  await sh("chmod", ["-R", "a+rX", outdir]);
}

/** The repository files for services s1..sN. */
function serviceFiles(n: number): Record<string, string> {
  const names = Array.from({ length: n }, (_, i) => `s${String(i + 1).padStart(3, "0")}`);
  const files: Record<string, string> = {
    [`gitops/${HOST}/config.yml`]: `services:\n${names.map((s) => `  ${s}: {}\n`).join("")}`,
  };
  for (const s of names) {
    files[`gitops/${HOST}/${s}/manifest.yml`] =
      `Container:\n  Image: ${IMAGE}\n  Network: none\n  Environment: MESSAGE=${s}\n`;
  }
  return files;
}

/** Runs `args` inside through `timed`; returns milliseconds, failing on a non-zero exit. */
async function timed(args: string[]): Promise<number> {
  const out = (await insideOk(who, [`${BENCH}/timed`, ...args])).trim();
  const [us, code] = out.split(" ").map(Number);
  if (code !== 0 || us === undefined || Number.isNaN(us)) {
    const again = await inside(who, args);
    fail(`${args.join(" ")} failed (exit ${code}):\n${again.stdout}${again.stderr}`);
  }
  return us / 1000;
}

/** The argv of each command a `--verbose` run logged as spawned. */
function spawnedArgv(stderr: string): string[][] {
  return stderr.split("\n").flatMap((line) => {
    const m = / spawn "([^"]*)" "([^"]*)"/.exec(line);
    return m ? [[m[1]!, ...m[2]!.split(" ").filter((w) => w !== "")]] : [];
  });
}

/**
 * The floor's commands: hoist's own fetch and listings, as it logged them. `systemctl` is the
 * issue's floor part, `systemctl show` of the units hoist asks about (with hoist's properties),
 * whichever systemctl verb hoist ran; `unitStates` is the systemctl call hoist itself waits for
 * (`list-units` since observe stopped running `show` on a no-op).
 */
function floorCommands(
  verbose: string,
): Record<"fetch" | "podman" | "systemctl" | "unitStates", string[]> {
  const all = spawnedArgv(verbose);
  const find = (prog: string, sub: string) =>
    all.find((a) => a[0]!.split("/").pop() === prog && a.includes(sub));
  const need = (prog: string, sub: string) => {
    const argv = find(prog, sub);
    if (argv === undefined) fail(`hoist's --verbose log shows no ${prog} ${sub}:\n${verbose}`);
    return argv;
  };
  const env = Object.entries(GIT_ENV).map(([k, v]) => `${k}=${v}`);
  const states = find("systemctl", "list-units") ?? need("systemctl", "show");
  const dash = states.indexOf("--");
  const mode = states.includes("--user") ? ["--user"] : [];
  const show = [
    states[0]!,
    ...mode,
    "show",
    "--timestamp=us+utc",
    `--property=${SHOW_PROPERTIES}`,
    "--",
    ...states.slice(dash + 1),
  ];
  return {
    fetch: ["env", ...env, ...need("git", "fetch")],
    podman: need("podman", "ps"),
    systemctl: show,
    unitStates: states,
  };
}

/** Host pid of the manager hoist talks to (for its journal lines). */
async function managerPid(): Promise<string> {
  if (who === "system") return "1";
  const uid = (await sh("id", ["-u", E2E_USER])).stdout.trim();
  return (await insideOk("system", [
    "systemctl",
    "show",
    "-p",
    "MainPID",
    "--value",
    `user@${uid}.service`,
  ])).trim();
}

/** Cursor of the newest journal entry. */
async function journalCursor(): Promise<string> {
  const line = await insideOk("system", ["journalctl", "-q", "-n", "1", "-o", "json"]);
  return String(JSON.parse(line).__CURSOR);
}

/** How many reloads the manager finished after `cursor`. */
async function reloadsSince(cursor: string, pid: string): Promise<number> {
  await insideOk("system", ["journalctl", "--sync"]);
  const out = await insideOk("system", [
    "journalctl",
    "-q",
    "--no-pager",
    "-o",
    "cat",
    `--after-cursor=${cursor}`,
    `_PID=${pid}`,
  ]);
  return out.split("\n").filter((l) => l.startsWith("Reloading finished")).length;
}

/** What strace saw below hoist's deno in one no-op apply. */
interface Trace {
  /** Processes by program. */
  readonly programs: Record<string, number>;
  /** `systemctl daemon-reload` among them. */
  readonly reloads: number;
}

/** Every process below hoist's deno in one no-op apply (null without strace on the host). */
async function traceProcesses(config: string): Promise<Trace | null> {
  if ((await sh("sh", ["-c", "command -v strace"])).code !== 0) return null;
  const dir = await Deno.makeTempDir({ prefix: "hoist-bench-strace-" });
  try {
    const as = who === "user" ? ["-u", E2E_USER] : [];
    const r = await sh("strace", [
      "-f",
      "-ff",
      "-qq",
      "--pidns-translation",
      "-e",
      "trace=execve,clone,clone3,fork,vfork",
      "-o",
      `${dir}/t`,
      IN_SYSTEMD,
      ...as,
      HOIST,
      "apply",
      "--quiet",
      "--config",
      config,
    ]);
    if (r.code !== 0) fail(`hoist apply under strace failed (${r.code}): ${r.stderr}${r.stdout}`);
    const parent = new Map<number, number>();
    const program = new Map<number, { path: string; argv: string }>();
    for await (const e of Deno.readDir(dir)) {
      const pid = Number(e.name.slice(e.name.lastIndexOf(".") + 1));
      for (const line of (await Deno.readTextFile(`${dir}/${e.name}`)).split("\n")) {
        // a child's pid as the host sees it (the files are named so), not as the namespace does
        const child = /^(?:clone3?|v?fork)\(.*= (\d+)(?: \/\* (\d+) in strace's PID NS \*\/)?$/
          .exec(line);
        if (child) parent.set(Number(child[2] ?? child[1]), pid);
        const exec = /^execve\("([^"]+)", \[(.*?)\], .* = 0$/.exec(line);
        if (exec) program.set(pid, { path: exec[1]!, argv: exec[2]! });
      }
    }
    const deno = [...program].find(([, p]) => p.path === `${E2E_OPT}/deno`)?.[0];
    if (deno === undefined) fail("strace saw no deno process");
    const below = (pid: number): boolean => {
      for (let p = parent.get(pid); p !== undefined; p = parent.get(p)) if (p === deno) return true;
      return false;
    };
    const programs: Record<string, number> = {};
    let reloads = 0;
    for (const [pid, { path, argv }] of program) {
      if (!below(pid)) continue;
      const name = path.split("/").pop()!;
      programs[name] = (programs[name] ?? 0) + 1;
      if (name === "systemctl" && argv.includes('"daemon-reload"')) reloads++;
    }
    return { programs, reloads };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * A config for the bundled hoist: the same but for its own copy of state_dir. hoist's caches (the
 * parsed config, the desired state) are keyed on its build, so the two builds taking turns on one
 * state_dir would each find the other's entry and miss every run (a real host runs one build).
 */
async function shippedConfig(repo: Repo): Promise<string> {
  const state = `${repo.dir}/state`;
  await insideOk("system", ["rm", "-rf", `${state}-shipped`]);
  await insideOk("system", ["cp", "-a", state, `${state}-shipped`]);
  const path = `${repo.dir}/config-shipped.toml`;
  await Deno.writeTextFile(path, repo.configText(HOST, PREFIX, `${state}-shipped`));
  if (who === "user") await sh("chown", [E2E_USER, path]);
  return path;
}

/** Deploys N services and measures. */
async function measure(repo: Repo, config: string, n: number): Promise<Result> {
  await repo.write(serviceFiles(n));
  await repo.commit(`${n} services`);
  progress(`N=${n}: deploying`);
  const t0 = performance.now();
  const first = await inside(who, [HOIST, "apply", "--quiet", "--config", config]);
  const setupApplyMs = performance.now() - t0;
  if (first.code !== 0) {
    fail(`apply of ${n} services failed (${first.code}):\n${first.stdout}${first.stderr}`);
  }
  const ours = (await containers(who)).filter((c) => c.name.startsWith(`systemd-${PREFIX}`));
  const running = ours.filter((c) => c.state === "running").length;
  if (running !== n) fail(`${running} of ${n} services' containers are running after apply`);
  const plan = await inside(who, [HOIST, "plan", "--detailed-exitcode", "--config", config]);
  if (plan.code !== 0) fail(`the plan after apply is not empty (${plan.code}):\n${plan.stdout}`);

  const pid = await managerPid();
  const cursor = await journalCursor();
  const verbose = await inside(who, [HOIST, "apply", "--quiet", "--verbose", "--config", config]);
  if (verbose.code !== 0) fail(`no-op apply failed (${verbose.code}):\n${verbose.stderr}`);
  const floorCmd = floorCommands(verbose.stderr);
  const hoistCmd = [HOIST, "apply", "--quiet", "--config", config];
  await timed(hoistCmd); // warm-up, not counted
  const shippedCmd = [
    `${BENCH}/hoist-shipped`,
    ...hoistCmd.slice(1, -1),
    await shippedConfig(repo),
  ];
  await timed(shippedCmd); // warm-up, not counted
  const samples = {
    hoist: [],
    shipped: [],
    denoStart: [],
    gitFetch: [],
    podmanPs: [],
    systemctlShow: [],
    unitStates: [],
  } as Record<
    "hoist" | "shipped" | "denoStart" | "gitFetch" | "podmanPs" | "systemctlShow" | "unitStates",
    number[]
  >;
  progress(`N=${n}: ${runs} runs of hoist and of each floor part, interleaved`);
  for (let i = 0; i < runs; i++) {
    samples.hoist.push(await timed(hoistCmd));
    samples.shipped.push(await timed(shippedCmd));
    samples.denoStart.push(await timed([`${BENCH}/hello`]));
    samples.gitFetch.push(await timed(floorCmd.fetch));
    samples.podmanPs.push(await timed(floorCmd.podman));
    samples.systemctlShow.push(await timed(floorCmd.systemctl));
    samples.unitStates.push(await timed(floorCmd.unitStates));
  }
  const peakRss = async (wrapper: string, configFile = config) => {
    const rss: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await inside(who, [
        `${BENCH}/${wrapper}`,
        "apply",
        "--quiet",
        "--config",
        configFile,
      ]);
      const kib = /bench-vmhwm-kib (\d+)/.exec(r.stderr)?.[1];
      if (r.code !== 0 || kib === undefined) {
        fail(`no-op apply for RSS (${wrapper}) failed (${r.code}): ${r.stderr}`);
      }
      rss.push(Number(kib));
    }
    return rss;
  };
  const rss = await peakRss("hoist-rss");
  const shippedRss = await peakRss("hoist-shipped-rss", shippedCmd.at(-1)!);
  const trace = await traceProcesses(config);
  const noopRuns = 1 + 1 + 1 + 2 * runs + rss.length + shippedRss.length + (trace === null ? 0 : 1);
  const daemonReloads = await reloadsSince(cursor, pid);
  const verboseReloads = spawnedArgv(verbose.stderr)
    .filter((a) => a[0]!.endsWith("systemctl") && a.includes("daemon-reload")).length;

  const floor = {
    denoStartMs: median(samples.denoStart),
    gitFetchMs: median(samples.gitFetch),
    podmanPsMs: median(samples.podmanPs),
    systemctlShowMs: median(samples.systemctlShow),
  };
  const floorMs = floor.denoStartMs + floor.gitFetchMs +
    Math.max(floor.podmanPsMs, floor.systemctlShowMs);
  const unitStatesMs = median(samples.unitStates);
  const ownFloorMs = floor.denoStartMs + floor.gitFetchMs +
    Math.max(floor.podmanPsMs, unitStatesMs);
  const hoistMs = median(samples.hoist);
  return {
    unitStatesMs,
    ownFloorMs,
    n,
    runs,
    setupApplyMs,
    hoistMs,
    shippedMs: median(samples.shipped),
    floorMs,
    ratio: hoistMs / floorMs,
    floor,
    samplesMs: samples,
    hoistPeakRssKiB: median(rss),
    shippedPeakRssKiB: median(shippedRss),
    spawned: spawned(verbose.stderr),
    processes: trace === null ? null : Object.values(trace.programs).reduce((a, b) => a + b, 0),
    processPrograms: trace?.programs ?? null,
    noopRuns,
    daemonReloads,
    hoistReloads: verboseReloads + (trace?.reloads ?? 0),
    hoistReloadRuns: trace === null ? 1 : 2,
  };
}

/** The results as a table, one column per N. */
function table(results: readonly Result[]): string {
  const ms = (x: number) => `${Math.round(x)} ms`;
  const rows: Array<[string, (r: Result) => string]> = [
    [`hoist apply --quiet (median of ${runs})`, (r) => ms(r.hoistMs)],
    ["  as shipped (bundled, compile's V8 flags)", (r) => ms(r.shippedMs)],
    ["floor = deno + fetch + max(ps, show)", (r) => ms(r.floorMs)],
    ["  deno start (hello world, same wrapper)", (r) => ms(r.floor.denoStartMs)],
    ["  git fetch (unchanged source)", (r) => ms(r.floor.gitFetchMs)],
    ["  podman ps -a --filter label=…", (r) => ms(r.floor.podmanPsMs)],
    ["  systemctl show (N services' units)", (r) => ms(r.floor.systemctlShowMs)],
    ["ratio hoist / floor", (r) => r.ratio.toFixed(2)],
    ["  as shipped / floor", (r) => (r.shippedMs / r.floorMs).toFixed(2)],
    ["  hoist's own systemctl call (median)", (r) => ms(r.unitStatesMs)],
    ["  hoist / (deno + fetch + max(ps, own))", (r) => (r.hoistMs / r.ownFloorMs).toFixed(2)],
    [
      "  as shipped / (deno + fetch + max(ps, own))",
      (r) => (r.shippedMs / r.ownFloorMs).toFixed(2),
    ],
    [
      `hoist / hoist at N=${results[0]?.n}`,
      (r) => (r.hoistMs / (results[0]?.hoistMs ?? r.hoistMs)).toFixed(2),
    ],
    [
      `  as shipped / as shipped at N=${results[0]?.n}`,
      (r) => (r.shippedMs / (results[0]?.shippedMs ?? r.shippedMs)).toFixed(2),
    ],
    ["hoist peak RSS (VmHWM, median of 3)", (r) => `${(r.hoistPeakRssKiB / 1024).toFixed(0)} MiB`],
    ["  as shipped", (r) => `${(r.shippedPeakRssKiB / 1024).toFixed(0)} MiB`],
    ["processes hoist spawned (--verbose)", (r) => String(r.spawned.length)],
    [
      "processes below hoist (strace -f)",
      (r) => r.processes === null ? "n/a" : String(r.processes),
    ],
    [
      "daemon-reloads hoist ran (--verbose, strace)",
      (r) => `${r.hoistReloads} in ${r.hoistReloadRuns} runs`,
    ],
    ["reloads in the journal (any client)", (r) => `${r.daemonReloads} in ${r.noopRuns} runs`],
    ["first apply (deploys the N services)", (r) => `${(r.setupApplyMs / 1000).toFixed(1)} s`],
  ];
  const head = ["", ...results.map((r) => `N=${r.n}`)];
  const body = rows.map(([label, cell]) => [label, ...results.map(cell)]);
  const widths = head.map((_, i) => Math.max(...[head, ...body].map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  /** `label: text`, once when every N gives the same text, else per N. */
  const perN = (label: string, text: (r: Result) => string) => {
    const texts = results.map(text);
    return texts.every((t) => t === texts[0])
      ? `${label}: ${texts[0]}`
      : `${label}: ${results.map((r, i) => `N=${r.n}: ${texts[i]}`).join("; ")}`;
  };
  const programs = (r: Result) =>
    r.processPrograms === null ? "n/a (no strace on the host)" : Object.entries(r.processPrograms)
      .sort(([a], [b]) => a.localeCompare(b)).map(([p, c]) => `${p}×${c}`).join(", ");
  return [
    `hoist no-op apply, ${
      who === "system" ? "rootful (system manager)" : "rootless (user manager)"
    }; ${navigator.hardwareConcurrency} CPUs, deno ${Deno.version.deno}`,
    line(head),
    ...body.map(line),
    "",
    perN("hoist spawned", (r) => r.spawned.join(", ")),
    perN("below hoist", programs),
  ].join("\n");
}

try {
  const why = await unavailable();
  if (why !== undefined) fail(`the e2e namespace is needed: ${why}`);
  await installHelpers();
  await sweep(who, PREFIX);
  const repo = await Repo.create(who, serviceFiles(0));
  const config = await repo.config(HOST, PREFIX);
  const results: Result[] = [];
  try {
    for (const n of sizes) results.push(await measure(repo, config, n));
  } finally {
    if (opts.keep) {
      const shipped =
        `${BENCH}/hoist-shipped apply --quiet --config ${repo.dir}/config-shipped.toml`;
      progress(`kept: ${IN_SYSTEMD} ${HOIST} apply --quiet --config ${config}`);
      progress(`kept, as shipped: ${IN_SYSTEMD} ${shipped}`);
    } else {
      progress("removing the services");
      await repo.write({ [`gitops/${HOST}/config.yml`]: "services: {}\n" });
      await repo.commit("remove all");
      await inside(who, [HOIST, "apply", "--quiet", "--config", config]);
      await sweep(who, PREFIX);
      await repo.remove();
    }
  }
  console.log(
    opts.json
      ? JSON.stringify({
        mode: who,
        runs,
        cpus: navigator.hardwareConcurrency,
        deno: Deno.version.deno,
        results,
      })
      : table(results),
  );
} catch (e) {
  if (!(e instanceof BenchError)) throw e;
  console.error(`bench:noop: ${e.message}`);
  Deno.exit(1);
}
