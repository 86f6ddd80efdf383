/**
 * The command line: parse args, run the command, map errors to exit codes. No process exits here.
 *
 * @module
 */
import { Command, CommanderError, Option } from "@commander-js/extra-typings";
import { type ApplyResult } from "../apply/apply_plan.ts";
import { fetchSources } from "../apply/fetch_sources.ts";
import { desiredFromSources, planFromSources } from "../apply/plan_once.ts";
import { prepareSecrets } from "../apply/prepare_secrets.ts";
import { reconcileOnce, withLockedStore } from "../apply/reconcile_once.ts";
import { readDirTree } from "../adapters/read_dir_tree.ts";
import type { Config } from "../config/load_config.ts";
import { buildDeps, type Deps } from "../deps.ts";
import { readDesired } from "../desired/read_desired.ts";
import { OFFLINE_SECRETS } from "../desired/secrets.ts";
import { formatProblem, HoistError, type Problem } from "../errors.ts";
import { changeCount, type Plan } from "../reconcile/types.ts";
import { planJson } from "../render/plan_json.ts";
import { renderPlanText } from "../render/plan_text.ts";
import { type CliIo, type GlobalOptions, loadConfig } from "./context.ts";
import { statusRows, statusText } from "./status.ts";
import { blockInvalid } from "../apply/block_invalid.ts";

/** hoist's version, printed by `hoist version`. */
export const VERSION = "0.1.0";

/** Exit codes. */
export const EXIT = { ok: 0, error: 1, changes: 2, usage: 64 } as const;

/** Builds dependencies for a config; tests substitute their own. */
export type DepsFactory = (config: Config) => Promise<Deps>;

/** Runs hoist with `argv`; returns the exit code. */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  makeDeps: DepsFactory = (c) => buildDeps(c),
): Promise<number> {
  let code: number = EXIT.ok;
  const program = new Command()
    .name("hoist")
    .description(
      "GitOps for Podman quadlets: turn a Git repository into running containers on this host.\n\n" +
        "Typical use: `hoist plan` to see what would change, `hoist apply` to converge (run by a systemd timer).",
    )
    .option(
      "-c, --config <file>",
      "agent config (default: /etc/hoist/config.toml as root, else $XDG_CONFIG_HOME/hoist/config.toml; or $HOIST_CONFIG)",
    )
    .option("-v, --verbose", "show more detail")
    .option("-q, --quiet", "print only errors and the summary")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError("(run hoist --help for usage)")
    .addHelpText(
      "after",
      `
Examples:
  hoist plan                          what the next apply would do, with a diff per unit file
  hoist plan --detailed-exitcode      exit 2 when changes are pending (for scripts and CI)
  hoist apply                         converge now (the systemd timer runs this)
  hoist validate ~/infra --host pi    check a checkout before pushing; every problem as file:line
  hoist render web                    the quadlet files hoist writes for service "web"

Exit codes: 0 ok or no changes, 1 error (or a service failed), 2 changes pending
(--detailed-exitcode only), 64 usage error.
Repository layout: <path>/<host>/config.yml lists services; <path>/<host>/<service>/manifest.yml
holds quadlet sections as YAML; raw .container/.network/.volume/... files next to it are deployed under
<prefix><service>/ (labels added, \${SERVICE_DIR} and friends filled in).`,
    );

  const globals = (): GlobalOptions => program.opts();

  program.command("plan")
    .description("show what apply would change, with a diff per unit file (= apply --dry-run)")
    .option("--json", "print the plan as JSON")
    .option("--detailed-exitcode", "exit 2 when changes are pending, 0 when none, 1 on error")
    .option("--allow-rollback", "show the plan for a commit older than the last deployed one")
    .action(async (opts) => {
      code = await planOrApply(io, globals(), makeDeps, {
        dryRun: true,
        json: !!opts.json,
        detailed: !!opts.detailedExitcode,
        lockTimeout: 60,
        allowRollback: !!opts.allowRollback,
      });
    });

  program.command("apply")
    .description(
      "converge this host to the repository: write units, reload, start/restart/stop, record",
    )
    .option("--dry-run", "only print the plan")
    .option(
      "--allow-rollback",
      "accept, this once, a commit that does not descend from the last deployed one (recorded)",
    )
    .option("--json", "print the plan and results as JSON")
    .addOption(
      new Option("--lock-timeout <seconds>", "wait this long for another apply to finish").default(
        "60",
      ),
    )
    .action(async (opts) => {
      code = await planOrApply(io, globals(), makeDeps, {
        dryRun: !!opts.dryRun,
        json: !!opts.json,
        detailed: false,
        lockTimeout: Number(opts.lockTimeout),
        allowRollback: !!opts.allowRollback,
      });
    });

  program.command("status")
    .description("per service: desired hash, running hash, container state, last change")
    .option("--json", "print JSON")
    .action(async (opts) => {
      const config = await loadConfig(io, globals());
      const deps = await makeDeps(config);
      await withLockedStore(deps, config, 60_000, async (store) => {
        const fetched = await fetchSources(deps, config, store, { allowRollback: false });
        const planned = await planFromSources(deps, config, fetched, store);
        const rows = statusRows(planned.desired, planned.observed);
        if (opts.json) {
          io.out(
            JSON.stringify(
              { revision: planned.desired.revision, host: config.host, services: rows },
              null,
              2,
            ) + "\n",
          );
        } else io.out(statusText(rows, planned.desired.revision, config.host));
        printProblems(io, planned.plan.problems, !!globals().quiet);
        code = planned.plan.problems.some((p) => p.level === "error") ? EXIT.error : EXIT.ok;
      });
    });

  program.command("validate")
    .description(
      "offline check of a checkout: every problem with file:line (runs the quadlet generator if installed)",
    )
    .argument("[dir]", "repository checkout", ".")
    .option("--host <host>", "check only this host's folder (default: every host)")
    .option("--path <path>", "folder holding the host folders", "gitops")
    .option("--json", "print problems as JSON")
    .action(async (dir, opts) => {
      const tree = await readDirTree(dir).catch((e) => {
        throw new HoistError(
          "not-found",
          `cannot read ${dir}: ${(e as Error).message}`,
          "Pass the path of a repository checkout",
        );
      });
      const base = opts.path.replace(/\/+$/, "");
      const hosts = opts.host ? [opts.host] : [...tree.entries.keys()]
        .filter((p) =>
          p.startsWith(base + "/") && !p.slice(base.length + 1).includes("/") &&
          tree.entries.get(p)?.kind === "dir"
        )
        .map((p) => p.slice(base.length + 1)).sort();
      if (hosts.length === 0) {
        throw new HoistError(
          "not-found",
          `no host folders under ${dir}/${base}/`,
          "Pass --path or --host",
        );
      }
      const config = { mode: "user" as const, quadletBin: undefined };
      const deps = await makeDeps({ ...placeholderConfig(), ...config });
      const problems: Problem[] = [];
      for (const host of hosts) {
        let desired = readDesired(tree, {
          path: base,
          host,
          prefix: "gitops-",
          mode: "user",
          stateDir: "/var/lib/hoist",
          secrets: OFFLINE_SECRETS,
        });
        const units = new Map(
          desired.services.flatMap((s) => s.units.map((u) => [u.path, u.content] as const)),
        );
        desired = blockInvalid(desired, await deps.quadlet.validate(units, []));
        problems.push(...desired.problems, ...desired.services.flatMap((s) => s.problems));
      }
      if (deps.quadlet.bin === undefined) {
        problems.push({
          level: "warning",
          message: "the quadlet generator was not found: units were checked by hoist only",
        });
      }
      if (opts.json) {
        io.out(
          JSON.stringify(
            {
              hosts,
              problems: problems.map((p) => ({
                level: p.level,
                file: p.file ?? null,
                line: p.line ?? null,
                message: p.message,
                hint: p.hint ?? null,
              })),
            },
            null,
            2,
          ) + "\n",
        );
      } else {
        for (const p of problems) io.out(formatProblem(p) + "\n");
        const errors = problems.filter((p) => p.level === "error").length;
        io.out(
          errors === 0
            ? `OK: ${hosts.join(", ")} (${problems.length} warning(s))\n`
            : `${errors} error(s) in ${hosts.join(", ")}\n`,
        );
      }
      code = problems.some((p) => p.level === "error") ? EXIT.error : EXIT.ok;
    });

  program.command("render")
    .description("print the unit files hoist would write for SERVICE")
    .argument("<service>", "service name as listed in config.yml")
    .action(async (service) => {
      const config = await loadConfig(io, globals());
      const deps = await makeDeps(config);
      const desired = await withLockedStore(deps, config, 60_000, async (store) => {
        const fetched = await fetchSources(deps, config, store, { allowRollback: false });
        return desiredFromSources(
          config,
          fetched,
          await prepareSecrets(deps, config, fetched, { prune: false }),
        );
      });
      const svc = desired.services.find((s) => s.name === service);
      if (!svc) {
        throw new HoistError(
          "not-found",
          `no service ${service} in ${desired.root}/config.yml`,
          `Services: ${desired.services.map((s) => s.name).join(", ") || "none"}`,
        );
      }
      for (const u of svc.units) io.out(`# ${config.quadletDir}/${u.path}\n${u.content}\n`);
      printProblems(io, [...desired.problems, ...svc.problems], false);
      code = svc.problems.some((p) => p.level === "error") ? EXIT.error : EXIT.ok;
    });

  program.command("version")
    .description("print the version")
    .action(() => {
      io.out(`hoist ${VERSION} (deno ${Deno.version.deno})\n`);
    });

  if (argv.length === 0) {
    io.err(program.helpInformation());
    return EXIT.usage; // a command is required
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === "commander.helpDisplayed" || e.code === "commander.version" ||
        e.code === "commander.help"
      ) return EXIT.ok;
      if (e.code === "commander.executeSubCommandAsync") return EXIT.error;
      return EXIT.usage;
    }
    if (e instanceof HoistError) {
      io.err(
        `error: ${e.message}\n${e.hint ? `  hint: ${e.hint.replaceAll("\n", "\n  ")}\n` : ""}`,
      );
      return e.code === "usage" ? EXIT.usage : EXIT.error;
    }
    throw e;
  }
}

function placeholderConfig(): Config {
  return {
    file: "",
    host: "",
    mode: "user",
    quadletDir: "",
    stateDir: "",
    unitPrefix: "gitops-",
    sources: [],
    trust: {
      requireSigned: false,
      gpgKeys: [],
      allowedSigners: undefined,
      verify: "tip",
      allowRollback: false,
    },
    secrets: { env: {}, envFiles: [] },
    keepCopies: 3,
    quadletBin: undefined,
  };
}

function printProblems(io: CliIo, problems: readonly Problem[], quiet: boolean): void {
  for (const p of problems) if (!quiet || p.level === "error") io.err(formatProblem(p) + "\n");
}

async function planOrApply(
  io: CliIo,
  globals: GlobalOptions,
  makeDeps: DepsFactory,
  opts: {
    dryRun: boolean;
    json: boolean;
    detailed: boolean;
    lockTimeout: number;
    allowRollback: boolean;
  },
): Promise<number> {
  if (!Number.isFinite(opts.lockTimeout) || opts.lockTimeout < 0) {
    throw new HoistError(
      "usage",
      `--lock-timeout must be a number of seconds, got ${opts.lockTimeout}`,
    );
  }
  const config = await loadConfig(io, globals);
  const deps = await makeDeps(config);
  const run = await reconcileOnce(deps, config, {
    dryRun: opts.dryRun,
    lockTimeoutMs: opts.lockTimeout * 1000,
    allowRollback: opts.allowRollback,
  });
  const plan = run.plan;
  if (opts.json) {
    io.out(JSON.stringify(planJson(plan, resultJson(run.applied)), null, 2) + "\n");
  } else if (globals.quiet) {
    // errors and one summary line: what a timer's journal needs
    printProblems(io, plan.problems, true);
    const changes = changeCount(plan);
    const verb = run.applied ? "applied" : "pending";
    io.out(
      `hoist: ${changes === 0 ? "no changes" : `${changes} change(s) ${verb}`} at ${
        plan.revision.slice(0, 40)
      }\n`,
    );
    if (run.applied?.failed) io.out(appliedText(run.applied));
  } else {
    io.out(renderPlanText(plan, { color: io.color }));
    if (run.applied) io.out(appliedText(run.applied));
  }
  const errors = plan.problems.some((p) => p.level === "error");
  if (plan.blocked || errors || run.applied?.failed) return EXIT.error;
  if (opts.detailed && changeCount(plan) > 0) return EXIT.changes;
  return EXIT.ok;
}

function resultJson(applied: ApplyResult | undefined): Record<string, unknown> {
  if (!applied) return {};
  return {
    applied: true,
    failed: applied.failed,
    results: applied.actions.map((a) => ({
      kind: a.kind,
      service: a.service,
      unit: a.unit,
      result: a.result,
      error: a.error ?? null,
    })),
  };
}

function appliedText(applied: ApplyResult): string {
  const lines = applied.actions.filter((a) => a.result !== "ok")
    .map((a) =>
      `  ${a.result} ${a.kind} ${a.unit}${a.service ? ` (${a.service})` : ""}${
        a.error ? `: ${a.error}` : ""
      }`
    );
  const ok = applied.actions.filter((a) => a.result === "ok").length;
  return applied.failed
    ? `Apply finished with failures (${ok} of ${applied.actions.length} steps done):\n${
      lines.join("\n")
    }\n`
    : `Applied: ${ok} step(s) done.\n`;
}

export type { Plan };
