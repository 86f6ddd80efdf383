/**
 * `deno task bench:startup [--runs N] [--json] [--proc] [--v8-flags F]…`: whole-process figures for hoist, each next to a
 * Deno hello world measured in the same run. Prints figures; asserts nothing (these machines are
 * noisy).
 *
 * Cases (each run `--runs` times, 15 by default, interleaved: round r runs every case once, the
 * order rotated by r, so noise hits all alike; one untimed warm-up each first):
 *
 * - `hello`: `deno run -A hello.ts`, a one-line file in a temp folder (no deno.json there);
 * - `version`, `--help`: `deno run -A main.ts …` from the project root;
 * - `plan`: `deno run -A main.ts --config … plan` on a no-op with 50 services;
 * - `plan (as shipped)`: the same no-op run the way the compiled binary runs it, as near as this
 *   machine allows: main.ts bundled (split at each dynamic import) and run with the V8 flags of deno.json's compile
 *   task (`--lite-mode`: no optimising compiler, which a process that mostly waits for git, podman
 *   and systemd does not miss; measured here, it is the difference between over and under 64 MiB);
 * - `plan, --v8-flags=…` for each `--v8-flags` given, to compare flag sets.
 *
 * Wall time is this script's clock around the whole child. Peak RSS is GNU time's `%M` (the
 * `time` package; wait4's ru_maxrss: the largest of the process and the children it waited for,
 * git included, not their sum); without /usr/bin/time (or with `--proc`), /proc/<pid>/status
 * VmHWM polled every 2 ms (deno alone, and may miss the last milliseconds).
 *
 * The no-op: a temp git repository with 50 services (Image localhost/busybox:latest, a
 * PublishPort, an Environment), `require_signed = false`, `mode = "user"`, temp quadlet and
 * state dirs. podman and systemd do not run here, so `podman` and `systemctl` on hoist's PATH are
 * tiny sh shims: `systemctl show` answers loaded/active for each unit whose file is in
 * quadlet_dir, other verbs succeed, and `podman ps` prints the containers a real podman would
 * list after the apply (labels read from the written unit files). One `hoist apply` writes the
 * units and records the inventory; the timed `plan` then reads the commit (real git), renders,
 * observes (spawning both shims) and finds nothing to do (checked once with `plan --json`). The
 * real quadlet generator is not run: no unit changed.
 *
 * Modules: one extra, untimed run of `version` and `plan` with `--log-level=debug`, counting the
 * files `deno run` reads to build its module graph (dynamic imports included) and the modules
 * V8 evaluates (its code-cache lines), split into project, npm and Deno's own lazy built-ins.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { bundleMain, compileV8Flags } from "./shipped_build.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
const DENO = Deno.execPath();
const TIME_BIN = "/usr/bin/time";
const SERVICES = 50;
const HOST = "bench-host";
const RSS_TARGET_MIB = 64;
const VERSION_TARGET_RATIO = 2;

interface Options {
  readonly runs: number;
  readonly json: boolean;
  /** Poll /proc even where /usr/bin/time is installed. */
  readonly proc: boolean;
  /** Extra V8 flag sets: each adds a no-op `plan` case run with `--v8-flags=<set>`. */
  readonly v8: readonly string[];
}

/** One measured process: its argv, where it runs and with what extra environment. */
interface Case {
  readonly label: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string>>;
}

/** One run of a case. */
interface Sample {
  readonly ms: number;
  readonly rssKiB: number;
}

/** A case's figures over all runs. */
interface Figures {
  readonly label: string;
  readonly command: string;
  readonly runs: number;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly medianRssMiB: number;
  readonly maxRssMiB: number;
}

/** What one command loaded, from Deno's debug log. */
interface ModuleCounts {
  readonly graphFiles: number;
  readonly project: number;
  readonly npm: Readonly<Record<string, number>>;
  readonly builtins: number;
}

const USAGE = "usage: deno task bench:startup [--runs N] [--json] [--proc] [--v8-flags FLAGS]…";

function parseOptions(args: readonly string[]): Options {
  let runs = 15;
  let json = false;
  let proc = false;
  const v8: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--json") json = true;
    else if (a === "--v8-flags") v8.push(args[++i] ?? usage("--v8-flags needs a value"));
    else if (a === "--proc") proc = true;
    else if (a === "--runs" || a?.startsWith("--runs=")) {
      const v = a === "--runs" ? args[++i] : a.slice("--runs=".length);
      runs = Number(v);
      if (!Number.isInteger(runs) || runs < 1) usage(`--runs needs a whole number ≥ 1, got ${v}`);
    } else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      Deno.exit(0);
    } else usage(`unknown argument ${a}`);
  }
  return { runs, json, proc, v8 };
}

function usage(message: string): never {
  console.error(`bench_startup: ${message}\n${USAGE}`);
  Deno.exit(64);
}

const dec = new TextDecoder();
const progress = (t: string) => Deno.stderr.writeSync(new TextEncoder().encode(t));

async function hasGnuTime(): Promise<boolean> {
  try {
    const r = await new Deno.Command(TIME_BIN, {
      args: ["-f", "%M", "true"],
      stdout: "null",
      stderr: "piped",
    }).output();
    return r.success && /^\d+\s*$/.test(dec.decode(r.stderr));
  } catch {
    return false;
  }
}

/** Runs `c` once; throws with its stderr when it fails. */
async function runOnce(c: Case, gnuTime: boolean, scratch: string): Promise<Sample> {
  const env = { ...Deno.env.toObject(), ...c.env };
  const fail = (code: number, stderr: Uint8Array) => {
    const tail = dec.decode(stderr).trim().split("\n").slice(-5).join("\n");
    return new Error(`${c.label} exited ${code}:\n${tail}`);
  };
  if (gnuTime) {
    const out = `${scratch}/time.out`;
    const t0 = performance.now();
    const r = await new Deno.Command(TIME_BIN, {
      args: ["-f", "%M", "-o", out, DENO, ...c.args],
      cwd: c.cwd,
      env,
      stdout: "null",
      stderr: "piped",
    }).output();
    const ms = performance.now() - t0;
    if (!r.success) throw fail(r.code, r.stderr);
    return { ms, rssKiB: Number((await Deno.readTextFile(out)).trim().split("\n").pop()) };
  }
  const t0 = performance.now();
  const child = new Deno.Command(DENO, {
    args: [...c.args],
    cwd: c.cwd,
    env,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let rssKiB = 0;
  let done = false;
  const status = child.output().finally(() => {
    done = true;
  });
  while (!done) {
    const text = await Deno.readTextFile(`/proc/${child.pid}/status`).catch(() => "");
    const hwm = Number(/^VmHWM:\s+(\d+) kB/m.exec(text)?.[1] ?? 0);
    if (hwm > rssKiB) rssKiB = hwm;
    await new Promise((r) => setTimeout(r, 2));
  }
  const r = await status;
  const ms = performance.now() - t0;
  if (!r.success) throw fail(r.code, r.stderr);
  return { ms, rssKiB };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile. */
function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

function figures(c: Case, samples: readonly Sample[]): Figures {
  const mib = (kib: number) => kib / 1024;
  return {
    label: c.label,
    command: ["deno", ...c.args].join(" "),
    runs: samples.length,
    medianMs: median(samples.map((s) => s.ms)),
    p90Ms: percentile(samples.map((s) => s.ms), 90),
    medianRssMiB: mib(median(samples.map((s) => s.rssKiB))),
    maxRssMiB: mib(Math.max(...samples.map((s) => s.rssKiB))),
  };
}

// ---------------------------------------------------------------------------------------------
// The no-op host: repository, config, shims

const GIT_ENV = { GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C" };

async function git(cwd: string, ...args: string[]): Promise<void> {
  const r = await new Deno.Command("git", {
    args: ["-C", cwd, ...args],
    env: GIT_ENV,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!r.success) throw new Error(`git ${args[0]} failed: ${dec.decode(r.stderr)}`);
}

/** config.yml and one manifest.yml per service, path → text. */
function serviceFiles(n: number): Record<string, string> {
  const names = Array.from({ length: n }, (_, i) => `s${String(i + 1).padStart(3, "0")}`);
  const dir = `gitops/${HOST}`;
  const files: Record<string, string> = {
    [`${dir}/config.yml`]: `services:\n${names.map((s) => `  ${s}: {}\n`).join("")}`,
  };
  for (const [i, s] of names.entries()) {
    files[`${dir}/${s}/manifest.yml`] = `Container:
  Image: localhost/busybox:latest
  PublishPort: "127.0.0.1:${8000 + i}:80"
  Environment:
    - SERVICE=${s}
`;
  }
  return files;
}

const SYSTEMCTL_SHIM = (quadletDir: string) =>
  `#!/bin/sh
# bench shim: systemd's answers for the units hoist wrote to quadlet_dir
q='${quadletDir}'
[ "$1" = --user ] && shift
[ "$1" = show ] || exit 0
while [ $# -gt 0 ] && [ "$1" != -- ]; do shift; done
[ $# -gt 0 ] && shift
for u in "$@"; do
  f="$q/\${u%.service}.container"
  if [ -f "$f" ]; then
    printf 'Id=%s\\nLoadState=loaded\\nActiveState=active\\nSubState=running\\nSourcePath=%s\\n\\n' "$u" "$f"
  else
    printf 'Id=%s\\nLoadState=not-found\\nActiveState=inactive\\nSubState=dead\\n\\n' "$u"
  fi
done
`;

const PODMAN_SHIM = (psJson: string) =>
  `#!/bin/sh
# bench shim: podman ps lists what the applied units would run
[ "$1" = ps ] || exit 0
if [ -f '${psJson}' ]; then cat '${psJson}'; else echo '[]'; fi
`;

/** What `podman ps -a --format json` would print once the written .container units run. */
async function psRows(quadletDir: string): Promise<unknown[]> {
  const rows: unknown[] = [];
  const names: string[] = [];
  for await (const e of Deno.readDir(quadletDir)) {
    if (e.isFile && e.name.endsWith(".container")) names.push(e.name);
  }
  for (const [i, name] of names.sort().entries()) {
    const text = await Deno.readTextFile(`${quadletDir}/${name}`);
    const labels: Record<string, string> = {};
    for (const m of text.matchAll(/^Label=([^=\n]+)=(.*)$/gm)) labels[m[1]!] = m[2]!;
    const unit = `${name.slice(0, -".container".length)}.service`;
    rows.push({
      Id: String(i + 1).padStart(64, "0"),
      Names: [`systemd-${unit.slice(0, -".service".length)}`],
      State: "running",
      Labels: { ...labels, PODMAN_SYSTEMD_UNIT: unit },
      StartedAt: 1_700_000_000 + i,
      Image: "localhost/busybox:latest",
    });
  }
  return rows;
}

/** What the no-op check found. */
interface NoOp {
  readonly actions: number;
  readonly errors: number;
  readonly units: number;
}

/** Builds the host under `work`, applies once, and returns the plan case and its check. */
async function noOpHost(work: string): Promise<{ plan: Case; check: NoOp }> {
  const repo = `${work}/repo`;
  const quadletDir = `${work}/quadlets`;
  const stateDir = `${work}/state`;
  const bin = `${work}/bin`;
  await Deno.mkdir(bin, { recursive: true });
  for (const [path, text] of Object.entries(serviceFiles(SERVICES))) {
    await Deno.mkdir(`${repo}/${path.slice(0, path.lastIndexOf("/"))}`, { recursive: true });
    await Deno.writeTextFile(`${repo}/${path}`, text);
  }
  await git(repo, "init", "--quiet", "-b", "main");
  await git(repo, "add", "--all", ".");
  await git(
    repo,
    "-c",
    "user.name=hoist bench",
    "-c",
    "user.email=bench@example.invalid",
    "-c",
    "commit.gpgsign=false",
    "commit",
    "--quiet",
    "-m",
    "bench",
  );
  const config = `${work}/config.toml`;
  await Deno.writeTextFile(
    config,
    `host = "${HOST}"
mode = "user"
quadlet_dir = "${quadletDir}"
state_dir = "${stateDir}"

[source]
url = "${repo}"
branch = "main"
path = "gitops"

[trust]
require_signed = false
`,
  );
  const psJson = `${work}/podman-ps.json`;
  await Deno.writeTextFile(`${bin}/systemctl`, SYSTEMCTL_SHIM(quadletDir), { mode: 0o755 });
  await Deno.writeTextFile(`${bin}/podman`, PODMAN_SHIM(psJson), { mode: 0o755 });
  const env = { PATH: `${bin}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}` };
  const hoist = (...argv: string[]) =>
    new Deno.Command(DENO, {
      args: ["run", "-A", "main.ts", "--config", config, ...argv],
      cwd: ROOT,
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();

  const applied = await hoist("apply");
  if (!applied.success) {
    throw new Error(`hoist apply exited ${applied.code}:\n${dec.decode(applied.stderr)}`);
  }
  await Deno.writeTextFile(psJson, JSON.stringify(await psRows(quadletDir), null, 2));
  const planned = await hoist("plan", "--json");
  const plan = JSON.parse(dec.decode(planned.stdout)) as {
    actions: unknown[];
    problems: { level: string }[];
  };
  const units = [...Deno.readDirSync(quadletDir)].filter((e) => e.isFile).length;
  return {
    plan: {
      label: `plan (no-op, ${SERVICES} services)`,
      args: ["run", "-A", "main.ts", "--config", config, "plan"],
      cwd: ROOT,
      env,
    },
    check: {
      actions: plan.actions.length,
      errors: plan.problems.filter((p) => p.level === "error").length,
      units,
    },
  };
}

/** The V8 flags `deno task compile` bakes into the binary (read from deno.json). */
const COMPILE_V8_FLAGS = await compileV8Flags(ROOT);

/** The no-op `plan` the way the shipped binary runs it (scripts/shipped_build.ts). */
async function shippedPlan(work: string, plan: Case): Promise<Case> {
  const bundle = await bundleMain(ROOT, `${work}/hoist-bundle`);
  return {
    ...plan,
    label: "plan (as shipped: bundled, compile's V8 flags)",
    args: ["run", "-A", COMPILE_V8_FLAGS, bundle, ...plan.args.slice(3)],
  };
}

// ---------------------------------------------------------------------------------------------
// Modules

/** Counts, from one `--log-level=debug` run of `c`, what deno read and what V8 evaluated. */
async function moduleCounts(c: Case): Promise<ModuleCounts | undefined> {
  const [run, ...rest] = c.args;
  const r = await new Deno.Command(DENO, {
    args: [run!, "--log-level=debug", ...rest],
    cwd: c.cwd,
    env: { ...Deno.env.toObject(), ...c.env },
    stdout: "null",
    stderr: "piped",
  }).output();
  const log = dec.decode(r.stderr);
  const graph = new Set(
    [...log.matchAll(/fetch_no_follow - specifier: (file:\/\/\S+)/g)].map((m) => m[1]!),
  );
  const evaluated = new Set(
    [...log.matchAll(/V8 code cache (?:\w+ )?for (?:ES module|script): ([^,\s]+)/g)].map((m) =>
      m[1]!
    ),
  );
  if (evaluated.size === 0) return undefined;
  const npm: Record<string, number> = {};
  let project = 0;
  let builtins = 0;
  for (const s of evaluated) {
    const pkg = /\/(?:registry\.npmjs\.org|node_modules)\/((?:@[^/]+\/)?[^/]+)\//.exec(s)?.[1];
    if (pkg !== undefined) npm[pkg] = (npm[pkg] ?? 0) + 1;
    else if (s.startsWith(`file://${ROOT}/`)) project++;
    else if (s.startsWith("ext:") || s.startsWith("node:")) builtins++;
  }
  const sorted = Object.fromEntries(Object.entries(npm).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { graphFiles: graph.size, project, npm: sorted, builtins };
}

function moduleLine(name: string, m: ModuleCounts | undefined): string {
  if (m === undefined) {
    return `  ${name}: no V8 code-cache lines in the debug log (format changed?)`;
  }
  const npmTotal = Object.values(m.npm).reduce((a, b) => a + b, 0);
  const pkgs = Object.entries(m.npm).map(([p, n]) => `${p} ${n}`).join(", ");
  return `  ${name}: ${m.graphFiles} project files read for the graph; evaluated ${m.project} project` +
    ` + ${npmTotal} npm${pkgs === "" ? "" : ` (${pkgs})`} + ${m.builtins} Deno built-in modules`;
}

// ---------------------------------------------------------------------------------------------
// Main

function table(rows: readonly Figures[]): string {
  const head = ["case", "median ms", "p90 ms", "median RSS MiB", "max RSS MiB"];
  const body = rows.map((
    f,
  ) => [
    f.label,
    f.medianMs.toFixed(1),
    f.p90Ms.toFixed(1),
    f.medianRssMiB.toFixed(1),
    f.maxRssMiB.toFixed(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

async function main(): Promise<void> {
  const opts = parseOptions(Deno.args);
  const gnuTime = !opts.proc && (await hasGnuTime());
  const work = await Deno.makeTempDir({ prefix: "hoist-bench-startup-" });
  try {
    await Deno.writeTextFile(`${work}/hello.ts`, `console.log("hello");\n`);
    progress(`setting up a no-op host with ${SERVICES} services in ${work} …\n`);
    const { plan, check } = await noOpHost(work);
    const cases: Case[] = [
      { label: "hello (deno run -A hello.ts)", args: ["run", "-A", "hello.ts"], cwd: work },
      { label: "version", args: ["run", "-A", "main.ts", "version"], cwd: ROOT },
      { label: "--help", args: ["run", "-A", "main.ts", "--help"], cwd: ROOT },
      plan,
      await shippedPlan(work, plan),
      ...opts.v8.map((flags) => ({
        ...plan,
        label: `plan, --v8-flags=${flags}`,
        args: ["run", "-A", `--v8-flags=${flags}`, ...plan.args.slice(2)],
      })),
    ];
    const samples = cases.map((): Sample[] => []);
    for (const c of cases) await runOnce(c, gnuTime, work); // warm-up: caches filled, untimed
    for (let round = 0; round < opts.runs; round++) {
      progress(`\rround ${round + 1}/${opts.runs}`);
      for (let k = 0; k < cases.length; k++) {
        const i = (k + round) % cases.length;
        samples[i]!.push(await runOnce(cases[i]!, gnuTime, work));
      }
    }
    progress("\n");
    const rows = cases.map((c, i) => figures(c, samples[i]!));
    const [hello, version, , planned, shipped] = rows as [
      Figures,
      Figures,
      Figures,
      Figures,
      Figures,
    ];
    const modules = {
      version: await moduleCounts(cases[1]!),
      plan: await moduleCounts(plan),
    };
    const versionRatio = version.medianMs / hello.medianMs;
    const planRssRatio = planned.medianRssMiB / RSS_TARGET_MIB;
    const shippedRssRatio = shipped.medianRssMiB / RSS_TARGET_MIB;
    const method = {
      wall: "performance.now() around the whole child process",
      rss: gnuTime
        ? `${TIME_BIN} -f %M (ru_maxrss of the process and its waited-for children, largest one)`
        : "/proc/<pid>/status VmHWM polled every 2 ms (deno process only)",
    };
    if (opts.json) {
      console.log(JSON.stringify(
        {
          deno: Deno.version.deno,
          runs: opts.runs,
          method,
          cases: rows,
          ratios: {
            versionOverHello: versionRatio,
            versionTarget: VERSION_TARGET_RATIO,
            planRssOverTarget: planRssRatio,
            planRssTargetMiB: RSS_TARGET_MIB,
            planRssOverHelloMiB: planned.medianRssMiB - hello.medianRssMiB,
            shippedPlanRssOverTarget: shippedRssRatio,
          },
          noOp: { services: SERVICES, ...check },
          modules,
        },
        null,
        2,
      ));
      return;
    }
    const verdict = (ok: boolean) => (ok ? "within target" : "over target");
    console.log(
      [
        `hoist startup, deno ${Deno.version.deno}, median of ${opts.runs} interleaved runs`,
        `wall: ${method.wall}; peak RSS: ${method.rss}`,
        "",
        table(rows),
        "",
        `version / hello (median time): ${versionRatio.toFixed(2)}× (target ≤ ${
          VERSION_TARGET_RATIO.toFixed(2)
        }×: ${verdict(versionRatio <= VERSION_TARGET_RATIO)})`,
        `plan peak RSS / ${RSS_TARGET_MIB} MiB: ${planRssRatio.toFixed(2)} (${
          planned.medianRssMiB.toFixed(1)
        } MiB, ${(planned.medianRssMiB - hello.medianRssMiB).toFixed(1)} MiB over hello: ${
          verdict(planRssRatio <= 1)
        })`,
        `plan as shipped (bundled, split at imports, ${COMPILE_V8_FLAGS}) peak RSS / ${RSS_TARGET_MIB} MiB: ${
          shippedRssRatio.toFixed(2)
        } (${shipped.medianRssMiB.toFixed(1)} MiB: ${verdict(shippedRssRatio <= 1)})`,
        `no-op check (plan --json after one apply): ${check.actions} actions, ${check.errors} errors,` +
        ` ${check.units} unit files in quadlet_dir${
          check.actions === 0 && check.errors === 0 ? "" : "  ← NOT a no-op: plan figures mislead"
        }`,
        "",
        "modules (one untimed --log-level=debug run each; deno run reads the whole graph, dynamic",
        "imports included, before main.ts runs; only evaluation is lazy):",
        moduleLine("version", modules.version),
        moduleLine("plan", modules.plan),
      ].join("\n"),
    );
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await main();
