/**
 * The health gate's notifications through `hoist apply` (real git and generator, a real HTTP
 * receiver on 127.0.0.1; podman and systemd are the FAKE host of tests/support/fake_host.ts,
 * wrapped so that systemd reports a restart count, as systemd 257 does, and web's next start
 * fails once): a rollback is told as `rolled-back`, the breaker's hold as `held-back`, once.
 */
import assert from "node:assert/strict";
import type { CommandSpec, Runner } from "../../lib/adapters/run_command.ts";
import { httpReceiver } from "../notify/receivers.ts";
import {
  EXAMPLE_HOST,
  exampleFiles,
  hostCli,
  makeHost,
  show,
  skipWithoutQuadlet,
  withTempDir,
} from "./helpers.ts";

const ignore = skipWithoutQuadlet();
const HOST = `gitops/${EXAMPLE_HOST}`;

/**
 * The fake host's runner, with `NRestarts=0` in the health gate's `systemctl show` (the fake
 * prints no restart count, which the gate cannot judge by) and a start or restart of
 * gitops-web.service that fails while `failWeb.armed`, once.
 */
function gatedRunner(run: Runner, failWeb: { armed: boolean }): Runner {
  return async (spec: CommandSpec) => {
    const { cmd, args } = spec;
    const verb = args.find((a) => !a.startsWith("-"));
    if (
      cmd === "systemctl" && failWeb.armed && (verb === "start" || verb === "restart") &&
      args.includes("gitops-web.service")
    ) {
      failWeb.armed = false;
      return {
        code: 1,
        stdout: new Uint8Array(),
        stderr: "Job for gitops-web.service failed because the control process exited.\n",
      };
    }
    const r = await run(spec);
    if (cmd !== "systemctl" || verb !== "show" || !args.some((a) => a.includes("NRestarts"))) {
      return r;
    }
    const text = new TextDecoder().decode(r.stdout).replace(/^(Id=.*)$/gm, "$1\nNRestarts=0");
    return { ...r, stdout: new TextEncoder().encode(text) };
  };
}

Deno.test({
  name:
    "a service rolled back after failed health is told as rolled-back; the breaker's hold as held-back, once",
  ignore,
  async fn() {
    const hook = await httpReceiver();
    try {
      await withTempDir(async (dir) => {
        const h = await makeHost(dir, await exampleFiles());
        // health = "none" in the agent config: started is healthy (the fake runs no containers)
        await Deno.writeTextFile(
          h.configPath,
          (await Deno.readTextFile(h.configPath)) +
            ["api", "db", "web"].map((s) => `\n[services.${s}]\nhealth = "none"\n`).join("") +
            `\n[[notify]]\ntype = "webhook"\nurl = "${hook.url}/hoist"\non = ["rolled-back", "held-back", "failed"]\n`,
        );
        const failWeb = { armed: false };
        const apply = () =>
          hostCli(h.home, ["--config", h.configPath, "apply"], {
            run: gatedRunner(h.fake.run, failWeb),
          });
        const kinds = () =>
          hook.received.map((m) => {
            const e = JSON.parse(new TextDecoder().decode(m.body)).event;
            return `${e.kind} ${e.service ?? "-"}: ${e.summary}`;
          });
        const first = await apply();
        assert.equal(first.code, 0, show(first));
        assert.deepEqual(kinds(), [], "deployed is not subscribed");

        await h.repo.commit({ [`${HOST}/web/index.html`]: "<h1>v2</h1>\n" });
        failWeb.armed = true;
        const bad = await apply();
        assert.equal(bad.code, 1, show(bad));
        assert.match(bad.out, /web: rolled back [0-9a-f]{8}… → [0-9a-f]{8}… \(.*failed.*\)/);
        assert.equal(kinds().length, 1, kinds().join("\n"));
        assert.match(
          kinds()[0] ?? "",
          /^rolled-back web: rolled back [0-9a-f]{8}… → [0-9a-f]{8}… \(/,
        );

        const held = await apply();
        assert.equal(held.code, 0, show(held));
        assert.match(held.out + held.err, /web: held back: hash [0-9a-f]{12} failed health at/);
        assert.equal(kinds().length, 2, kinds().join("\n"));
        assert.match(
          kinds()[1] ?? "",
          /^held-back web: held back: hash [0-9a-f]{12} failed health at .*--retry-failed web$/,
        );
        const again = await apply();
        assert.equal(again.code, 0, show(again));
        assert.equal(kinds().length, 2, "the same hold is told once");
      });
    } finally {
      await hook.stop();
    }
  },
});
