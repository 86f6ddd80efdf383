/**
 * `deno task demo`: builds a throwaway git repository from examples/homelab and prints
 * `hoist plan` for it. Works where podman/systemd are absent (the plan then says so in one line).
 *
 * @module
 */
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
const work = await Deno.makeTempDir({ prefix: "hoist-demo-" });
const repo = `${work}/repo`;
const git = async (...args: string[]) => {
  const out = await new Deno.Command("git", {
    args: ["-C", repo, ...args],
    env: { GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" },
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`git ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
};
await Deno.mkdir(repo, { recursive: true });
await new Deno.Command("cp", { args: ["-r", `${here}/examples/homelab/.`, repo] }).output();
await git("init", "-q", "-b", "main");
await git("add", "-A");
await git(
  "-c",
  "user.name=hoist demo",
  "-c",
  "user.email=demo@example.invalid",
  "commit",
  "-qm",
  "demo",
);
const config = `${work}/config.toml`;
await Deno.writeTextFile(
  config,
  `host = "demo-host"
mode = "user"
quadlet_dir = "${work}/quadlets"
state_dir = "${work}/state"

[source]
url = "${repo}"
branch = "main"
path = "gitops"
`,
);
console.log(`# demo repository: ${repo}\n# hoist plan --config ${config}\n`);
const status = await new Deno.Command(Deno.execPath(), {
  args: ["run", "--allow-all", `${here}/main.ts`, "plan", "--config", config],
  stdout: "inherit",
  stderr: "inherit",
}).output();
if (!Deno.env.get("HOIST_DEMO_KEEP")) await Deno.remove(work, { recursive: true });
Deno.exit(status.code);
