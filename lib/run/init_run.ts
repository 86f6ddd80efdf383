/**
 * `hoist init`: sets a host up from its answers. Everything is checked before anything is written
 * (the signer files, the config text through parseConfig, files that exist with other content);
 * each file is written to a temp name and renamed; what exists with the same content is left
 * alone, so a second run changes nothing. What needs the network or the service manager (the
 * server's host key, enabling the timer, linger) is done last and, when it fails, reported with
 * what to do instead of undoing the rest.
 *
 * @module
 */
import {
  type Config,
  type ConfigContext,
  defaultConfigPath,
  parseConfig,
} from "../config/load_config.ts";
import type { Deps } from "../deps.ts";
import { HoistError } from "../errors.ts";
import {
  allowedSignersText,
  configDropIn,
  type InitAnswers,
  initConfigText,
  initLayout,
  initUnits,
  signerKey,
  sshServer,
} from "../init/init_files.ts";

/** How init talks to the user: questions (answered by default with --yes) and progress lines. */
export interface InitUi {
  confirm(question: string, byDefault: boolean): Promise<boolean>;
}

/** One thing init did or could not do. */
export interface InitStep {
  readonly level: "ok" | "warning";
  readonly message: string;
}

/** init's inputs besides the answers. */
export interface InitOptions {
  readonly answers: InitAnswers;
  readonly configPath: string;
  readonly force: boolean;
  readonly ctx: ConfigContext;
}

interface PlannedFile {
  readonly path: string;
  readonly text: string;
  readonly mode: number;
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function checkedRun(deps: Deps, cmd: string, args: string[], stdin?: string) {
  const r = await deps.run({
    cmd,
    args,
    timeoutMs: 30_000,
    ...(stdin === undefined ? {} : { stdin }),
  });
  if (r.code !== 0) {
    throw new HoistError(
      "command-failed",
      `${cmd} ${args[0] ?? ""} failed (exit ${r.code}): ${
        r.stderr.trim().split("\n").slice(-2).join("; ")
      }`,
    );
  }
  return text(r.stdout);
}

const why = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Reads and classifies the signer files; any that is not a public key stops init. */
async function readSigners(deps: Deps, files: readonly string[], keysDir: string) {
  const ssh: { file: string; keys: { type: string; key: string; comment: string }[] }[] = [];
  const gpg: PlannedFile[] = [];
  for (const file of files) {
    const content = await deps.fs.readText(file);
    if (content === undefined) {
      throw new HoistError(
        "usage",
        `--signer ${file}: no such file`,
        "Give the path of a public key file",
      );
    }
    const key = signerKey(content);
    if ("error" in key) {
      throw new HoistError(
        "usage",
        `--signer ${file} ${key.error}`,
        "Nothing was written; run hoist init again with public keys",
      );
    }
    if (key.kind === "ssh") ssh.push({ file, keys: [...key.keys] });
    else {
      const base = file.slice(file.lastIndexOf("/") + 1).replace(/\.(asc|gpg|pub|key)$/, "");
      gpg.push({ path: `${keysDir}/${base}.asc`, text: content, mode: 0o644 });
    }
  }
  return { ssh, gpg };
}

/** The deploy key: kept when it exists, else made with ssh-keygen (ed25519) and written 0600. */
async function deployKey(deps: Deps, path: string, host: string): Promise<InitStep> {
  const pub = await deps.fs.readText(`${path}.pub`);
  if ((await deps.fs.exists(path)) && pub !== undefined) {
    return {
      level: "ok",
      message:
        `deploy key ${path} kept; its public half (add it to the Git server, read-only):\n  ${pub.trim()}`,
    };
  }
  const tmp = await deps.fs.makeTempDir("hoist-init-");
  try {
    await checkedRun(deps, "ssh-keygen", [
      "-q",
      "-t",
      "ed25519",
      "-N",
      "",
      "-C",
      `hoist@${host}`,
      "-f",
      `${tmp}/key`,
    ]);
    const priv = await deps.fs.readText(`${tmp}/key`);
    const pubText = await deps.fs.readText(`${tmp}/key.pub`);
    if (priv === undefined || pubText === undefined) {
      throw new HoistError("command-failed", "ssh-keygen wrote no key");
    }
    await deps.fs.writeAtomic(path, priv, 0o600);
    await deps.fs.writeAtomic(`${path}.pub`, pubText, 0o644);
    return {
      level: "ok",
      message:
        `deploy key ${path} created (ed25519, 0600); add its public half to the Git server as a read-only deploy key:\n  ${pubText.trim()}`,
    };
  } finally {
    await deps.fs.removeTree(tmp);
  }
}

/** Pins the ssh server's host keys into known_hosts after showing their fingerprints. */
async function pinHostKeys(
  deps: Deps,
  ui: InitUi,
  server: { host: string; port: number },
  path: string,
  force: boolean,
): Promise<InitStep> {
  if (!force && await deps.fs.exists(path)) {
    return { level: "ok", message: `${path} kept (the pinned host keys)` };
  }
  const where = server.port === 22 ? server.host : `${server.host}:${server.port}`;
  let scanned: string;
  try {
    scanned = await checkedRun(deps, "ssh-keyscan", [
      "-T",
      "10",
      "-p",
      String(server.port),
      "--",
      server.host,
    ]);
  } catch (e) {
    scanned = "";
    if (!(e instanceof HoistError)) throw e;
  }
  const lines = scanned.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
  if (lines.length === 0) {
    return {
      level: "warning",
      message:
        `cannot read the host keys of ${where}; ${path} not written. When the server is reachable, ` +
        `run hoist init again, or write it yourself: ssh-keyscan -p ${server.port} ${server.host} > ${path} (check the fingerprints)`,
    };
  }
  const prints = (await checkedRun(deps, "ssh-keygen", ["-l", "-f", "-"], lines.join("\n") + "\n"))
    .trim();
  if (!(await ui.confirm(`Host keys of ${where}:\n${prints}\nPin these in ${path}?`, true))) {
    return { level: "warning", message: `host keys of ${where} not pinned; ${path} not written` };
  }
  await deps.fs.writeAtomic(path, lines.join("\n") + "\n", 0o644);
  return {
    level: "ok",
    message: `${path}: pinned the host keys of ${where}:\n  ${prints.replaceAll("\n", "\n  ")}`,
  };
}

/** The files to write; refuses (before any is written) when one exists with other content. */
async function writeAll(
  deps: Deps,
  files: readonly PlannedFile[],
  force: boolean,
): Promise<InitStep[]> {
  const conflicts: string[] = [];
  const todo: PlannedFile[] = [];
  for (const f of files) {
    const now = await deps.fs.readText(f.path);
    if (now === f.text) continue;
    if (now !== undefined && !force) conflicts.push(f.path);
    else todo.push(f);
  }
  if (conflicts.length > 0) {
    throw new HoistError(
      "usage",
      `hoist init would overwrite ${conflicts.join(", ")}`,
      "Nothing was written. Move them aside, or run hoist init --force to overwrite them",
    );
  }
  for (const f of todo) await deps.fs.writeAtomic(f.path, f.text, f.mode);
  const kept = files.length - todo.length;
  return [
    ...todo.map((f) => ({ level: "ok" as const, message: `wrote ${f.path}` })),
    ...(kept > 0
      ? [{ level: "ok" as const, message: `${kept} file(s) already as they should be` }]
      : []),
  ];
}

/** systemctl daemon-reload and enable --now of the units; failures are warnings with the command. */
async function enableUnits(
  deps: Deps,
  config: Config,
  names: readonly string[],
): Promise<InitStep[]> {
  const user = config.mode === "user" ? ["--user"] : [];
  const cmd = `systemctl ${user.length ? "--user " : ""}enable --now ${names.join(" ")}`;
  try {
    await checkedRun(deps, "systemctl", [...user, "daemon-reload"]);
    await checkedRun(deps, "systemctl", [...user, "enable", "--now", ...names]);
    return [{ level: "ok", message: `enabled and started ${names.join(", ")}` }];
  } catch (e) {
    return [{
      level: "warning",
      message: `could not enable ${names.join(", ")}: ${why(e)}; run: ${cmd}`,
    }];
  }
}

async function enableLinger(deps: Deps): Promise<InitStep> {
  let user = "USER";
  try {
    user = (await checkedRun(deps, "id", ["-un"])).trim();
    await checkedRun(deps, "loginctl", ["enable-linger", user]);
    return {
      level: "ok",
      message: `linger enabled for ${user} (its services run without a login)`,
    };
  } catch (e) {
    return {
      level: "warning",
      message: `could not enable linger: ${why(e)}; run as root: loginctl enable-linger ${user}`,
    };
  }
}

/** Sets the host up; returns what it did and the config it wrote. */
export async function runInit(
  deps: Deps,
  opts: InitOptions,
  ui: InitUi,
): Promise<{ steps: InitStep[]; config: Config }> {
  const { answers, ctx } = opts;
  const layout = initLayout(opts.configPath, answers.mode, ctx);
  const signers = await readSigners(deps, answers.signers, layout.keysDir);
  const trust = { allowedSigners: signers.ssh.length > 0, gpgKeys: signers.gpg.map((g) => g.path) };
  const configText = initConfigText(answers, layout, ctx, trust);
  const config = parseConfig(configText, opts.configPath, ctx); // a refused url stops here
  const files: PlannedFile[] = [...signers.gpg];
  if (trust.allowedSigners) {
    files.push({ path: layout.allowedSigners, text: allowedSignersText(signers.ssh), mode: 0o644 });
  }
  const units = initUnits(answers.mode, answers.serve);
  for (const u of units) {
    files.push({ path: `${layout.unitDir}/${u.name}`, text: u.text, mode: 0o644 });
  }
  const dropIn = configDropIn(opts.configPath, defaultConfigPath(ctx));
  if (dropIn !== undefined) {
    for (const u of units.filter((u) => u.name.endsWith(".service"))) {
      files.push({
        path: `${layout.unitDir}/${u.name}.d/hoist-config.conf`,
        text: dropIn,
        mode: 0o644,
      });
    }
  }
  files.push({ path: opts.configPath, text: configText, mode: 0o600 });
  const steps = await writeAll(deps, files, opts.force);
  await deps.fs.mkdirp(config.stateDir, 0o700);
  await deps.fs.mkdirp(config.quadletDir);
  steps.push({
    level: "ok",
    message: `state_dir ${config.stateDir} (0700) and quadlet_dir ${config.quadletDir} ready`,
  });
  const server = sshServer(answers.repo);
  if (server !== undefined) {
    steps.push(await deployKey(deps, layout.deployKey, answers.host));
    steps.push(await pinHostKeys(deps, ui, server, layout.knownHosts, opts.force));
  }
  if (!trust.allowedSigners && trust.gpgKeys.length === 0) {
    steps.push({
      level: "warning",
      message:
        "no --signer given: hoist refuses every commit until [trust] lists a key; run hoist init --signer KEY.pub --force",
    });
  }
  steps.push(
    ...await enableUnits(
      deps,
      config,
      units.filter((u) => u.name !== "hoist.service").map((u) => u.name),
    ),
  );
  if (answers.mode === "user") steps.push(await enableLinger(deps));
  return { steps, config };
}
