/**
 * `hoist init`: the answers from flags, or asked on a terminal (defaults shown, Enter accepts);
 * then lib/run/init_run.ts sets the host up, and `hoist doctor` and `hoist plan` show where it
 * stands. Without a terminal it needs --yes, and then takes the flags only.
 *
 * @module
 */
import { defaultConfigPath } from "../config/load_config.ts";
import { doctorExitCode } from "../doctor/doctor_checks.ts";
import { doctorText } from "../doctor/doctor_text.ts";
import { HoistError, safeText } from "../errors.ts";
import type { InitAnswers } from "../init/init_files.ts";
import type { Mode } from "../types/mode.ts";
import { runDoctor } from "../run/doctor_run.ts";
import { runInit } from "../run/init_run.ts";
import type { CommandContext } from "./context.ts";
import { EXIT } from "./exit_codes.ts";
import { planCommand } from "./plan_command.ts";

/** init's flags as commander parsed them. */
export interface InitFlags {
  readonly rootless?: boolean;
  readonly rootful?: boolean;
  readonly repo?: string;
  readonly branch?: string;
  readonly host?: string;
  readonly signer?: readonly string[];
  readonly serve?: boolean;
  readonly yes?: boolean;
  readonly force?: boolean;
}

/** Asks questions on the terminal: one line of stdin per answer. */
export interface Prompter {
  ask(question: string, byDefault: string): Promise<string>;
}

/** Lines of stdin, read as they come (the terminal sends one per Enter). */
export function stdinPrompter(write: (t: string) => void): Prompter {
  const reader = Deno.stdin.readable.getReader();
  const dec = new TextDecoder();
  let buffered = "";
  const line = async (): Promise<string | undefined> => {
    for (;;) {
      const nl = buffered.indexOf("\n");
      if (nl >= 0) {
        const l = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        return l.replace(/\r$/, "");
      }
      const { value, done } = await reader.read();
      if (done) {
        const rest = buffered;
        buffered = "";
        return rest === "" ? undefined : rest;
      }
      buffered += dec.decode(value, { stream: true });
    }
  };
  return {
    async ask(question, byDefault) {
      write(`${question}${byDefault === "" ? "" : ` [${byDefault}]`}: `);
      const answer = await line();
      if (answer === undefined) {
        throw new HoistError("usage", "hoist init: no answer (end of input)");
      }
      return answer.trim() === "" ? byDefault : answer.trim();
    },
  };
}

/** The answers: the flags, and on a terminal the questions for what they leave open. */
export async function initAnswers(
  flags: InitFlags,
  hostname: string,
  uid: number,
  prompter: Prompter | undefined,
): Promise<InitAnswers> {
  if (flags.rootless && flags.rootful) {
    throw new HoistError("usage", "--rootless and --rootful exclude each other");
  }
  let mode: Mode = flags.rootless
    ? "user"
    : flags.rootful
    ? "system"
    : uid === 0
    ? "system"
    : "user";
  let repo = flags.repo ?? "", branch = flags.branch ?? "main", host = flags.host ?? hostname;
  let signers = [...(flags.signer ?? [])];
  if (prompter) {
    if (!flags.rootless && !flags.rootful) {
      const m = await prompter.ask(
        "Mode (rootless or rootful)",
        mode === "user" ? "rootless" : "rootful",
      );
      if (m !== "rootless" && m !== "rootful") {
        throw new HoistError("usage", `mode must be rootless or rootful, got ${m}`);
      }
      mode = m === "rootless" ? "user" : "system";
    }
    if (flags.repo === undefined) repo = await prompter.ask("Git repository URL", repo);
    if (flags.branch === undefined) branch = await prompter.ask("Branch", branch);
    if (flags.host === undefined) host = await prompter.ask("Host folder (gitops/<host>/)", host);
    if (flags.signer === undefined) {
      const s = await prompter.ask("Public key files of who may sign (space-separated)", "");
      signers = s.split(/\s+/).filter((x) => x !== "");
    }
  }
  if (repo === "") {
    throw new HoistError(
      "usage",
      "hoist init needs the repository: --repo URL",
      "For example: hoist init --repo git@git.example.org:infra/gitops.git --yes",
    );
  }
  return { mode, repo, branch, host, signers, serve: !!flags.serve };
}

/** Runs init; returns 0 once the host is set up (doctor's verdict is printed, not the exit code). */
export async function initCommand(ctx: CommandContext, flags: InitFlags): Promise<number> {
  const { io, globals } = ctx;
  const tty = Deno.stdin.isTerminal();
  if (!flags.yes && !tty) {
    throw new HoistError(
      "usage",
      "hoist init asks questions, but stdin is not a terminal",
      "Pass --yes and the answers as flags: hoist init --yes --repo URL [--branch B] [--host NAME] [--signer KEY.pub] [--rootless|--rootful]",
    );
  }
  const prompter = flags.yes ? undefined : stdinPrompter(io.out);
  const answers = await initAnswers(flags, io.ctx.hostname, io.ctx.uid, prompter);
  const configPath = globals.config ?? io.ctx.env.HOIST_CONFIG ?? defaultConfigPath(io.ctx);
  const mode = answers.mode;
  const deps = await ctx.makeDeps({ mode, quadletBin: undefined });
  const { steps, config } = await runInit(deps, {
    answers,
    configPath,
    force: !!flags.force,
    ctx: io.ctx,
  }, {
    async confirm(question, byDefault) {
      io.out(safeText(question) + "\n");
      if (!prompter) return byDefault;
      const a = await prompter.ask("yes or no", byDefault ? "yes" : "no");
      return /^y(es)?$/i.test(a);
    },
  });
  for (const s of steps) {
    io.out(`${s.level === "ok" ? "ok:" : "warning:"} ${safeText(s.message)}\n`);
  }
  io.out(`\nhoist init: ${configPath} is ready. hoist doctor:\n\n`);
  const results = await runDoctor(await ctx.makeDeps(config), configPath, {
    ok: true,
    value: config,
  }, io.ctx);
  io.out(doctorText(results, io.color));
  io.out("\nhoist plan:\n\n");
  await planCommand({ ...ctx, globals: { ...globals, config: configPath } }, {
    dryRun: true,
    json: false,
    detailed: false,
    lockTimeout: 60,
    allowRollback: false,
  }).catch((e) => {
    if (!(e instanceof HoistError)) throw e;
    io.err(`error: ${safeText(e.message)}${e.hint ? `\n  hint: ${safeText(e.hint)}` : ""}\n`);
  });
  if (doctorExitCode(results) !== 0) {
    io.out(
      "\nhoist init is done; fix what hoist doctor reports as error, then run hoist doctor again.\n",
    );
  }
  return EXIT.ok;
}
