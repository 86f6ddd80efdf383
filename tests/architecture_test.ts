/**
 * Architecture rules, checked by the machine (in the spirit of denoland/std's `_tools/check_*`).
 * Run: `TZ=UTC deno test -A tests/architecture.ts` (it spawns `deno info`).
 *
 * 1. No import cycles among `main.ts` and `lib/`. The graph is `deno info --json`, which lists
 *    static imports, `import type`, `export … from` and `import("literal")`.
 * 2. Pure code (PURE: desired, reconcile, render, trust, config, types, images, and `lib/errors.ts`, since
 *    pure code may import it) imports only pure code and PURE_PACKAGES: `yaml`, `smol-toml`, `zod`,
 *    `diff`, `node:path` (posix string helpers; `resolve()` would read the cwd, keep it out) and
 *    `node:crypto` (createHash/createHmac; its random* functions are caught by rule 3). Anything
 *    else under lib/ (adapters, observed, state, apply, run, cli, server, deps.ts, log.ts, or a new
 *    folder) and any other package (`@logtape/logtape`, `node:fs`, `node:process`…) is refused.
 * 3. Pure code does not touch the host: no `Deno`, `globalThis`, clock, randomness, timers,
 *    `fetch(`, `console.`, `process.` in code. Comments, strings, regex literals and the text of
 *    template literals are blanked first; `${…}` inside a template stays code.
 * 4. Adapters (`lib/adapters/`) import only adapters, `lib/types`, `lib/errors.ts`, `lib/log.ts`,
 *    `npm:` and `node:` packages.
 * 5. In all of lib/: `Deno.Command` and `node:child_process` only in `lib/adapters/run_command.ts`;
 *    no `Deno.exit`/`process.exit` (only main.ts exits) and no `console.` (lib/ logs via log.ts).
 * 6. Every `Deno.test` in a pure-core test file (tests/{desired,reconcile,render,config,trust})
 *    passes an options object with `permissions: "none"` (or `permissions: PURE`, imported from
 *    tests/support/pure.ts: none but yaml's two debug variables, see there) written at its top
 *    level. The shorthand `Deno.test("name", fn)`, any other computed `permissions: X` and
 *    `const test = Deno.test` are refused: the option must be where a reader sees it. (Module-level
 *    code of a test file still runs with full permissions; keep work out of it.)
 *
 * @module
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const PURE = ["lib/desired/", "lib/reconcile/", "lib/render/", "lib/trust/", "lib/config/"]
  .concat("lib/doctor/", "lib/init/", "lib/types/", "lib/health/", "lib/images/", "lib/errors.ts");
const PURE_PACKAGES = new Set([
  ...["npm:yaml", "npm:smol-toml", "npm:zod", "npm:diff"],
  ...["node:path", "node:path/posix", "node:crypto"],
]);
const PURE_TEST_DIRS = [
  "tests/desired",
  "tests/reconcile",
  "tests/render",
  "tests/config",
  "tests/trust",
  "tests/doctor",
  "tests/images",
];
const RUN_COMMAND = "lib/adapters/run_command.ts";
/** Rule 3's host doors: the runtime, output, the clock, randomness, timers and the network. */
const HOST = [
  /\b(?:Deno|globalThis)\b/g,
  /\bconsole\s*\.|(?<![\w$.])process\s*\./g,
  /\bDate\s*\.\s*now\s*\(|\bnew\s+Date\s*(?:\(\s*\)|(?![\s(]))|\bperformance\s*\.\s*now\s*\(/g,
  /\bMath\s*\.\s*random\s*\(|\bcrypto\s*\.\s*(?:getRandomValues|randomUUID)\s*\(/g,
  /\brandom(?:Bytes|UUID|Int|FillSync)\s*\(/g, // node:crypto
  /\b(?:setTimeout|setInterval)\s*\(|(?<![\w$.])fetch\s*\(/g,
];
type Edge = { readonly from: string; readonly to: string; readonly line: number };
type Resolved = { specifier?: string; span?: { start: { line: number } } };
type InfoModule = { specifier: string; dependencies?: { code?: Resolved; type?: Resolved }[] };

const isPure = (f: string) => PURE.some((p) => p.endsWith("/") ? f.startsWith(p) : f === p);
const rel = (spec: string) => spec.startsWith(ROOT.href) ? spec.slice(ROOT.href.length) : spec;
const lineAt = (text: string, offset: number) => text.slice(0, offset).split("\n").length;

/** `npm:yaml@2.9.1/x` → `npm:yaml`, `file:///…/lib/a.ts` → `lib/a.ts`, `node:fs` as is. */
function target(spec: string): string {
  return spec.startsWith("npm:")
    ? spec.replace(/^npm:\/?((?:@[^/@]+\/)?[^/@]+).*$/, "npm:$1")
    : rel(spec);
}

async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(new URL(`${dir}/`, ROOT))) {
    if (e.isDirectory) out.push(...await tsFiles(`${dir}/${e.name}`));
    else if (/\.[mc]?[jt]sx?$/.test(e.name)) out.push(`${dir}/${e.name}`);
  }
  return out.sort();
}

const read = (file: string) => Deno.readTextFile(new URL(file, ROOT));

async function denoInfo(root: string): Promise<readonly InfoModule[]> {
  const args = ["info", "--json", "--no-lock", "--no-npm", "--no-remote", root];
  const out = await new Deno.Command(Deno.execPath(), { args, cwd: ROOT }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  if (!out.success) throw new Error(`deno info ${root} failed:\n${text(out.stderr)}`);
  return (JSON.parse(text(out.stdout)) as { modules: InfoModule[] }).modules;
}

const edge = (from: string, r?: Resolved): Edge[] =>
  r?.specifier ? [{ from, to: target(r.specifier), line: (r.span?.start.line ?? 0) + 1 }] : [];

/** Import edges out of main.ts and every file under lib/ (reachable from main.ts or not). */
async function importGraph(): Promise<Map<string, readonly Edge[]>> {
  const graph = new Map<string, readonly Edge[]>();
  for (const root of ["main.ts", ...await tsFiles("lib")]) {
    if (graph.has(root)) continue;
    for (const m of await denoInfo(root)) {
      const from = rel(m.specifier);
      if (graph.has(from) || !(from === "main.ts" || from.startsWith("lib/"))) continue;
      graph.set(from, (m.dependencies ?? []).flatMap((d) => edge(from, d.code ?? d.type)));
    }
  }
  return graph;
}
let cachedGraph: Promise<Map<string, readonly Edge[]>> | undefined;
const graph = () => (cachedGraph ??= importGraph());
const edges = async () => [...(await graph()).values()].flat();

/** A shortest cycle through each module that lies on one, skipping modules already shown. */
function cycles(graph: ReadonlyMap<string, readonly Edge[]>): string[][] {
  const next = (n: string) => [...new Set((graph.get(n) ?? []).map((e) => e.to))].sort();
  const found: string[][] = [], covered = new Set<string>();
  for (const start of [...graph.keys()].sort()) {
    if (covered.has(start)) continue; // already shown in a cycle
    const parent = new Map([[start, start]]), queue = [start];
    search: for (const n of queue) {
      for (const t of next(n)) {
        if (t === start) {
          const path = [start];
          for (let p = n; p !== start; p = parent.get(p) ?? start) path.splice(1, 0, p);
          found.push([...path, start]), path.forEach((p) => covered.add(p));
          break search;
        }
        if (!parent.has(t)) parent.set(t, n), queue.push(t);
      }
    }
  }
  return found;
}

/** `src` with comments (and unless `keepStrings`, string/regex/template text) blanked to spaces. */
function blank(src: string, keepStrings = false): string {
  let out = "", i = 0;
  const frames: number[] = []; // open `${`: brace depth inside each
  const put = (s: string, keep: boolean) => out += keep ? s : s.replace(/[^\n]/g, " ");
  const regexHere = () =>
    /(?:^|[([{,;:=!&|?+\-*%<>~^]|\b(?:return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await))\s*$/
      .test(out);
  while (i < src.length) {
    const c = src.charAt(i), two = src.slice(i, i + 2);
    if (two === "//" || two === "/*") {
      const j = two === "//" ? src.indexOf("\n", i) : src.indexOf("*/", i + 2);
      const end = j < 0 ? src.length : two === "//" ? j : j + 2;
      put(src.slice(i, end), false), i = end;
    } else if (c === "`" || (c === "}" && frames.at(-1) === 0)) {
      if (c === "}") frames.pop();
      let j = i + 1;
      while (j < src.length && src[j] !== "`" && src.slice(j, j + 2) !== "${") {
        j += src[j] === "\\" ? 2 : 1;
      }
      out += c, put(src.slice(i + 1, j), keepStrings);
      if (src[j] === "`") out += "`", i = j + 1;
      else if (j < src.length) out += "${", frames.push(0), i = j + 2;
      else i = j;
    } else if (c === '"' || c === "'" || (c === "/" && regexHere())) {
      let j = i + 1, inClass = false;
      for (; j < src.length && src[j] !== "\n"; j++) {
        if (src[j] === "\\") j++;
        else if (c === "/" && (src[j] === "[" || src[j] === "]")) inClass = src[j] === "[";
        else if (src[j] === c && !inClass) break;
      }
      out += c, put(src.slice(i + 1, j), keepStrings), out += src.slice(j, j + 1), i = j + 1;
    } else {
      if (frames.length > 0 && (c === "{" || c === "}")) {
        frames.push((frames.pop() ?? 0) + (c === "{" ? 1 : -1));
      }
      out += c, i++;
    }
  }
  return out;
}

function hits(src: string, patterns: readonly RegExp[]): { line: number; what: string }[] {
  const code = blank(src);
  return patterns.flatMap((p) =>
    [...code.matchAll(p)].map((m) => ({
      line: lineAt(code, m.index),
      what: m[0].replace(/\s+/g, " "),
    }))
  ).sort((a, b) => a.line - b.line);
}

/** Lines of `Deno.test` uses that do not pass `permissions: "none"` in a top-level options object. */
function unconfinedTests(src: string): number[] {
  const code = blank(src), text = blank(src, true);
  const confined = (from: number) => {
    const open = ["("];
    for (let i = from; i < code.length && open.length > 0; i++) {
      const c = code.charAt(i);
      if ("({[".includes(c)) open.push(c);
      else if (")}]".includes(c)) open.pop();
      else if (
        open.length === 2 && open[1] === "{" &&
        /[^\w$]permissions\s*:\s*(?:["']none["']|PURE\b)/y.test(text.slice(i - 1, i + 40))
      ) return true;
    }
    return false;
  };
  return [...code.matchAll(/\bDeno\s*\.\s*test\b(?:\s*\.\s*(?:ignore|only)\b)?\s*(\()?/g)]
    .filter((m) => m[1] === undefined || !confined(m.index + m[0].length))
    .map((m) => lineAt(code, m.index));
}

function expectNone(rule: string, violations: readonly string[]): void {
  if (violations.length > 0) {
    throw new Error(`${rule}: ${violations.length} violation(s)\n  ${violations.join("\n  ")}`);
  }
}

/** `file:line imports x` for each import out of a module matching `from` to one not passing `ok`. */
async function importsOutside(from: (f: string) => boolean, ok: (to: string) => boolean, why = "") {
  const bad = (await edges()).filter((e) => from(e.from) && !ok(e.to));
  return bad.map((e) => `${e.from}:${e.line} imports ${e.to}${why}`);
}

/** `file:line uses x (why)` for each match of `patterns` in the code of `files`. */
async function uses(files: readonly string[], patterns: readonly RegExp[], why = "") {
  const found = await Promise.all(
    files.map(async (f) =>
      hits(await read(f), patterns).map((h) => `${f}:${h.line} uses ${h.what}${why}`)
    ),
  );
  return found.flat();
}

Deno.test("lib/ has no import cycles", async () => {
  expectNone("import cycle", cycles(await graph()).map((c) => c.join(" → ")));
});

Deno.test("pure folders import only pure code and allowed packages", async () => {
  const ok = (to: string) => isPure(to) || PURE_PACKAGES.has(to);
  expectNone("pure import", await importsOutside(isPure, ok));
});

Deno.test("pure folders do not touch the host", async () => {
  expectNone("pure code uses the host", await uses((await tsFiles("lib")).filter(isPure), HOST));
});

Deno.test("adapters import only adapters, lib/types, errors, log, trace and packages", async () => {
  const ok = (to: string) =>
    /^(?:lib\/(?:adapters|types)\/|lib\/(?:errors|log|trace)\.ts$|npm:|node:)/.test(to);
  expectNone("adapter import", await importsOutside((f) => f.startsWith("lib/adapters/"), ok));
});

Deno.test("lib/ spawns only in run_command.ts, never exits and never prints", async () => {
  const lib = await tsFiles("lib"), spawn = ` (spawn only in ${RUN_COMMAND})`;
  expectNone("house rule", [
    ...await importsOutside((f) => f !== RUN_COMMAND, (to) => to !== "node:child_process", spawn),
    ...await uses(lib.filter((f) => f !== RUN_COMMAND), [/\bDeno\s*\.\s*Command\b/g], spawn),
    ...await uses(
      lib,
      [/\bDeno\s*\.\s*exit\b|(?<![\w$.])process\s*\.\s*exit\b/g],
      " (only main.ts exits)",
    ),
    ...await uses(lib, [/\bconsole\s*\./g], " (lib/ logs through lib/log.ts)"),
  ]);
});

Deno.test('pure-core tests run with permissions: "none"', async () => {
  const files = (await Promise.all(PURE_TEST_DIRS.map(tsFiles))).flat()
    .filter((f) => /(?:^|[._])test\.[mc]?[jt]sx?$/.test(f.slice(f.lastIndexOf("/") + 1)));
  const bad = await Promise.all(
    files.map(async (f) =>
      unconfinedTests(await read(f)).map((l) => `${f}:${l} Deno.test without permissions: "none"`)
    ),
  );
  const foreignPure = await Promise.all(files.map(async (f) => {
    const src = await read(f);
    return /permissions\s*:\s*PURE\b/.test(src) &&
        !/import \{ PURE \} from "(?:\.\.\/)+support\/pure\.ts";/.test(src)
      ? [`${f}: PURE not imported from tests/support/pure.ts`]
      : [];
  }));
  expectNone("unconfined pure test", [...bad.flat(), ...foreignPure.flat()]);
  const { PURE } = await import("./support/pure.ts");
  assert.deepEqual(
    Object.entries(PURE).filter(([, v]) => v !== false),
    [["env", ["LOG_TOKENS", "LOG_STREAM"]]],
    "PURE grants nothing but reading yaml's two debug variables",
  );
  assert.deepEqual(
    Object.keys(PURE).sort(),
    ["env", "ffi", "import", "net", "read", "run", "sys", "write"],
    "PURE names every permission, so none is inherited",
  );
});

Deno.test("architecture checks see the code (they cannot pass by finding nothing)", async () => {
  const g = await graph();
  const libFiles = await tsFiles("lib");
  assert.ok(libFiles.length > 40, `only ${libFiles.length} files under lib/`);
  assert.deepEqual(libFiles.filter((f) => !g.has(f)), [], "every lib/ file is in the graph");
  assert.ok((await edges()).some((e) => e.to === "lib/errors.ts"), "the graph has lib/ edges");
  assert.ok((await edges()).some((e) => e.to.startsWith("npm:")), "the graph has npm edges");
  assert.ok(hits(await read(RUN_COMMAND), HOST).some((h) => h.what.startsWith("Deno")));
  const toy = (to: string) => [{ from: "", to, line: 1 }];
  const toyGraph = new Map([["a", toy("b")], ["b", toy("c")], ["c", toy("a")], ["d", toy("a")]]);
  assert.deepEqual(cycles(toyGraph), [["a", "b", "c", "a"]]);
  const sample = [
    `const a = "Deno.exit()"; // console.log`,
    "/* Date.now() */ const b = `x ${ {k: Deno.pid}.k } console.` + 'fetch(' + `${`${Math.random()}`}`;",
    String.raw`const r = /"[/]fetch\(/g; const q = 1 / 2; process.env;`,
  ].join("\n");
  const found = hits(sample, HOST).map((h) => `${h.line}:${h.what}`);
  assert.deepEqual(found, ["2:Deno", "2:Math.random(", "3:process."]);
  const tests = [
    `Deno.test({ name: "a", permissions: "none", fn() {} });`,
    `Deno.test("b", () => {});`,
    `Deno.test({ name: "c", fn() { const x = { permissions: "none" }; } });`,
    `const t = Deno.test; Deno.test.ignore({ permissions: 'none', fn() {} });`,
    `Deno.test({ name: "e", permissions: PURE, fn() {} });`,
    `Deno.test({ name: "f", permissions: ALL, fn() {} });`,
  ].join("\n");
  assert.deepEqual(unconfinedTests(tests), [2, 3, 4, 6]);
});
