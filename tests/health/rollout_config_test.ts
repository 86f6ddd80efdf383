/** `[rollout]` and `[state]` of the agent config: parsed into the policy, bad values at their line. */
import assert from "node:assert/strict";
import { parseConfig } from "../../lib/config/load_config.ts";
import { HoistError } from "../../lib/errors.ts";

const CTX = { hostname: "pi", uid: 1000, home: "/home/pi", env: {} };
const SOURCE = '[source]\nurl = "/srv/gitops.git"\n';

Deno.test({
  name: "[rollout] becomes the host's policy; no table means any time, any commit",
  permissions: "none",
  fn() {
    const none = parseConfig(SOURCE, "/c.toml", CTX);
    assert.deepEqual(none.rollout, { windows: [], timeZone: "UTC", minCommitAgeMs: 0 });
    assert.deepEqual(none.state, { keepDeployments: 200 });
    const c = parseConfig(
      SOURCE +
        '[rollout]\nwindows = ["Mon-Fri 02:00-05:00", "Sat 22:00-02:00"]\ntime_zone = "Europe/Berlin"\nmin_commit_age = "30m"\n' +
        "[state]\nkeep_deployments = 50\n",
      "/c.toml",
      CTX,
    );
    assert.deepEqual(c.rollout.windows.map((w) => [w.text, [...w.days], w.startMin, w.endMin]), [
      ["Mon-Fri 02:00-05:00", [1, 2, 3, 4, 5], 120, 300],
      ["Sat 22:00-02:00", [6], 1320, 120],
    ]);
    assert.equal(c.rollout.timeZone, "Europe/Berlin");
    assert.equal(c.rollout.minCommitAgeMs, 30 * 60_000);
    assert.deepEqual(c.state, { keepDeployments: 50 });
    const canary = parseConfig(SOURCE + "[rollout]\nmin_commit_age = 0\n", "/c.toml", CTX);
    assert.equal(canary.rollout.minCommitAgeMs, 0);
  },
});

Deno.test({
  name: "bad [rollout] and [state] values are config-invalid naming the key and its line",
  permissions: "none",
  fn() {
    const table: { toml: string; message: RegExp }[] = [
      {
        toml: '[rollout]\ntime_zone = "UTC"\nwindows = ["Mon-Fry 02:00-05:00"]\n',
        message: /^\/c\.toml:5: rollout\.windows\[0\]: "Mon-Fry 02:00-05:00" is not a window/,
      },
      {
        toml: '[rollout]\nwindows = ["Mon-Fri 02:00-05:00"]\n',
        message: /^\/c\.toml:4: rollout\.windows needs time_zone/,
      },
      {
        toml: '[rollout]\ntime_zone = "Mars/Olympus"\n',
        message: /^\/c\.toml:4: rollout\.time_zone: "Mars\/Olympus" is not a time zone/,
      },
      {
        toml: '[rollout]\nmin_commit_age = "half an hour"\n',
        message: /^\/c\.toml:4: rollout\.min_commit_age must be a duration like "30m", got "half/,
      },
      {
        toml: "[rollout]\nmin_commit_age = -5\n",
        message: /^\/c\.toml:4: rollout\.min_commit_age must be a duration/,
      },
      { toml: "[rollout]\nwindow = []\n", message: /^\/c\.toml:4: unknown key "rollout\.window"/ },
      {
        toml: "[state]\nkeep_deployments = 0\n",
        message: /^\/c\.toml:4: state\.keep_deployments: must be at least 1/,
      },
      {
        toml: '[state]\nkeep_deployments = "all"\n',
        message: /^\/c\.toml:4: state\.keep_deployments: /,
      },
    ];
    for (const { toml, message } of table) {
      assert.throws(
        () => parseConfig(SOURCE + toml, "/c.toml", CTX),
        (e) => e instanceof HoistError && e.code === "config-invalid" && message.test(e.message),
        toml,
      );
    }
  },
});
