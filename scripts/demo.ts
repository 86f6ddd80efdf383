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
// Sign the commit with a throwaway ssh key, and trust only that key (as a real host would).
const key = `${work}/signing_key`;
const keygen = await new Deno.Command("ssh-keygen", {
  args: ["-q", "-t", "ed25519", "-N", "", "-C", "demo@example.invalid", "-f", key],
  stdout: "null",
  stderr: "piped",
}).output();
if (!keygen.success) {
  throw new Error(`ssh-keygen failed: ${new TextDecoder().decode(keygen.stderr)}`);
}
const pub = (await Deno.readTextFile(`${key}.pub`)).trim().split(" ").slice(0, 2).join(" ");
await Deno.writeTextFile(
  `${work}/allowed_signers`,
  `demo@example.invalid namespaces="git" ${pub}\n`,
);
await git("init", "-q", "-b", "main");
await git("add", "-A");
await git(
  "-c",
  "user.name=hoist demo",
  "-c",
  "user.email=demo@example.invalid",
  "-c",
  "gpg.format=ssh",
  "-c",
  `user.signingkey=${key}`,
  "commit",
  "-S",
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

[trust]
allowed_signers = "${work}/allowed_signers"
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
