/**
 * Rootless set-up, the timer and its last run, the state DB, sources and signatures, the clock,
 * sops: each verdict doctor gives, from facts as the collector gathers them.
 *
 * @module
 */
import assert from "node:assert/strict";
import { parseConfig } from "../../lib/config/load_config.ts";
import { checkDb, checkLastRun, checkTimer, parseShow } from "../../lib/doctor/check_host.ts";
import { checkRootless, subIdRanges } from "../../lib/doctor/check_rootless.ts";
import { checkClock, checkReach, checkSigned, checkSops } from "../../lib/doctor/check_source.ts";
import type { RootlessFacts, SourceFacts } from "../../lib/doctor/types.ts";

/** `systemctl show hoist.timer hoist.service -p …` as systemd 257 printed it (nothing installed). */
const NOT_INSTALLED = `Result=success
Id=hoist.timer
LoadState=not-found
ActiveState=inactive
UnitFileState=

Result=success
ExecMainExitTimestamp=
ExecMainStatus=0
Id=hoist.service
LoadState=not-found
ActiveState=inactive
UnitFileState=
`;

const units = (text: string) => ({ ok: true as const, byUnit: parseShow(text) });
const timer = (fileState: string, active: string) =>
  `Id=hoist.timer\nLoadState=loaded\nActiveState=${active}\nUnitFileState=${fileState}\n`;
const service = (result: string, at: string, status = "0") =>
  `Id=hoist.service\nLoadState=loaded\nActiveState=inactive\nResult=${result}\n` +
  `ExecMainStatus=${status}\nExecMainExitTimestamp=${at}\n`;

Deno.test({
  name: "checkTimer() and checkLastRun(): not installed, disabled, stopped, failed, fine",
  permissions: "none",
  fn() {
    const cases: [string, string, string, RegExp, string | undefined][] = [
      [
        "not installed",
        NOT_INSTALLED,
        "error",
        /not installed.*enable --now hoist\.timer/,
        undefined,
      ],
      [
        "disabled",
        `${timer("disabled", "inactive")}\n${service("success", "")}`,
        "error",
        /disabled/,
        "warning",
      ],
      [
        "stopped",
        `${timer("enabled", "inactive")}`,
        "warning",
        /systemctl --user start/,
        undefined,
      ],
      [
        "failed last run",
        `${timer("enabled", "active")}\n${
          service("exit-code", "Tue 2026-12-01 10:00:00 UTC", "1")
        }`,
        "ok",
        /enabled and active/,
        "error",
      ],
      [
        "fine",
        `${timer("enabled", "active")}\n${service("success", "Tue 2026-12-01 10:00:00 UTC")}`,
        "ok",
        /enabled and active/,
        "ok",
      ],
    ];
    for (const [what, text, level, message, last] of cases) {
      const r = checkTimer(units(text), "user");
      assert.equal(r.level, level, what);
      assert.match(`${r.message} ${r.fix ?? ""}`, message, what);
      assert.equal(checkLastRun(units(text), "user")?.level, last, what);
    }
    const failed = checkLastRun(
      units(service("exit-code", "Tue 2026-12-01 10:00:00 UTC", "1")),
      "system",
    );
    assert.match(
      failed?.message ?? "",
      /failed at Tue 2026-12-01 10:00:00 UTC \(exit-code, exit status 1\)/,
    );
    assert.match(failed?.fix ?? "", /^journalctl -u hoist\.service -n 50/);
    const down = checkTimer({ ok: false, error: "Failed to connect to bus" }, "system");
    assert.equal(down.level, "error");
  },
});

Deno.test({
  name:
    "checkDb(): not created yet is fine; garbage and a damaged file are errors with the way out",
  permissions: "none",
  fn() {
    assert.equal(checkDb({ path: "/s/state.db", kind: "missing" }).level, "ok");
    assert.equal(
      checkDb({ path: "/s/state.db", kind: "checked", lines: ["ok"], inventory: 3 }).level,
      "ok",
    );
    const garbage = checkDb({
      path: "/s/state.db",
      kind: "unreadable",
      error: "file is not a database",
    });
    assert.equal(garbage.level, "error");
    assert.match(garbage.message, /state\.db: file is not a database/);
    assert.match(garbage.fix ?? "", /hoist apply --adopt/);
    const damaged = checkDb({
      path: "/s/state.db",
      kind: "checked",
      lines: ["*** in database main ***", "Page 4 is never used"],
      inventory: 3,
    });
    assert.equal(damaged.level, "error");
    assert.match(damaged.message, /damaged: \*\*\* in database main \*\*\*; Page 4/);
  },
});

const rootless = (over: Partial<RootlessFacts> = {}): RootlessFacts => ({
  user: "hoist",
  loginctl: { linger: true },
  lingerFile: true,
  runtimeDir: {
    value: "/run/user/1000",
    stat: { path: "/run/user/1000", kind: "dir", mode: 0o700, uid: 1000 },
  },
  subuid: "hoist:100000:65536\n",
  subgid: "1000:100000:65536\n",
  newuidmap: "/usr/bin/newuidmap",
  newgidmap: "/usr/bin/newgidmap",
  ...over,
});

Deno.test({
  name:
    "checkRootless(): linger off (from loginctl or, without logind, the linger file), no runtime dir, no ids, no newuidmap",
  permissions: "none",
  fn() {
    const levels = (r: RootlessFacts) =>
      Object.fromEntries(checkRootless(r, 1000).map((c) => [c.id, c.level]));
    assert.deepEqual(levels(rootless()), {
      linger: "ok",
      XDG_RUNTIME_DIR: "ok",
      subuid: "ok",
      subgid: "ok",
      newuidmap: "ok",
    });
    const cases: [string, Partial<RootlessFacts>, string, RegExp][] = [
      ["linger off", { loginctl: { linger: false } }, "linger", /loginctl enable-linger hoist/],
      [
        "no logind, no linger file",
        { loginctl: { error: "Failed to connect to bus" }, lingerFile: false },
        "linger",
        /off for hoist \(loginctl: Failed/,
      ],
      ["no XDG_RUNTIME_DIR", { runtimeDir: undefined }, "XDG_RUNTIME_DIR", /is not set/],
      [
        "runtime dir of another user",
        {
          runtimeDir: {
            value: "/run/user/0",
            stat: { path: "/run/user/0", kind: "dir", mode: 0o700, uid: 0 },
          },
        },
        "XDG_RUNTIME_DIR",
        /not a folder owned by uid 1000/,
      ],
      ["no subuid range", { subuid: "other:100000:65536\n" }, "subuid", /usermod --add-subuids/],
      ["no subgid file", { subgid: undefined }, "subgid", /no range for hoist/],
      [
        "no newgidmap",
        { newgidmap: undefined },
        "newuidmap",
        /newgidmap not found.*uidmap package/,
      ],
    ];
    for (const [what, over, id, text] of cases) {
      const r = checkRootless(rootless(over), 1000).find((c) => c.id === id);
      assert.equal(r?.level, "error", what);
      assert.match(`${r?.message} ${r?.fix}`, text, what);
    }
    const lingerFile = checkRootless(rootless({ loginctl: { error: "no bus" } }), 1000)[0];
    assert.equal(lingerFile?.level, "ok", "the linger file answers when logind cannot");
    assert.deepEqual(
      subIdRanges("hoist:100000:1000\n1000:200000:65536\nbad line\n", "hoist", 1000),
      [
        { start: 100000, count: 1000 },
        { start: 200000, count: 65536 },
      ],
    );
    assert.equal(
      checkRootless(rootless({ subuid: "hoist:100000:1000\n" }), 1000)[2]?.level,
      "warning",
    );
    assert.deepEqual(checkRootless(undefined, 0), []);
  },
});

const CTX = { hostname: "pi", uid: 1000, home: "/home/u", env: {} };
const config = (trust: string) =>
  parseConfig(`[source]\nurl = "/srv/g.git"\n${trust}`, "/c.toml", CTX);
const TIP = "c".repeat(40);
const fetched = (over: Partial<SourceFacts> = {}): SourceFacts => ({
  name: "main",
  url: "/srv/g.git",
  fetch: { ok: true, tips: new Map([["main", TIP]]) },
  sopsFiles: [],
  ...over,
});
const NOW = 1_790_000_000;

Deno.test({
  name:
    "checkReach(), checkSigned(), checkClock(): the fetch error, the trust verdict apply gives, a tip from the future",
  permissions: "none",
  fn() {
    const down = checkReach(
      fetched({
        fetch: { ok: false, message: "cannot fetch /srv/g.git: x", hint: "Check the url" },
      }),
    );
    assert.deepEqual([down.level, down.message, down.fix], [
      "error",
      "cannot fetch /srv/g.git: x",
      "Check the url",
    ]);
    assert.match(checkReach(fetched()).message, /main at cccccccccccc/);

    const signers = config('[trust]\nallowed_signers = "/a"\n');
    const good = {
      commit: TIP,
      status: "good",
      format: "ssh",
      signer: "ssh SHA256:k alice",
      message: "Good",
      committedAt: NOW - 60,
    } as const;
    assert.deepEqual(
      checkSigned(fetched({ signatures: [good] }), signers)?.message,
      "trusted: cccccccccccc by ssh SHA256:k alice",
    );
    const unsigned = checkSigned(
      fetched({
        signatures: [{
          commit: TIP,
          status: "unsigned",
          format: "none",
          signer: "",
          message: "no signature",
        }],
      }),
      signers,
    );
    assert.equal(unsigned?.level, "error");
    assert.match(unsigned?.message ?? "", /cccccccccccc/);
    assert.ok(unsigned?.fix, "the refusal's hint is the fix");
    assert.equal(
      checkSigned(fetched(), config("[trust]\nrequire_signed = false\n"))?.level,
      "warning",
    );
    assert.match(checkSigned(fetched(), config(""))?.message ?? "", /lists no signing keys/);
    assert.equal(checkSigned(fetched({ fetch: { ok: false, message: "x" } }), signers), undefined);

    assert.equal(checkClock(NOW, true, [fetched({ signatures: [good] })]).level, "ok");
    const future = { ...good, committedAt: NOW + 3600 };
    const ahead = checkClock(NOW, undefined, [fetched({ signatures: [future] })]);
    assert.equal(ahead.level, "error");
    assert.match(ahead.message, /from the future/);
    assert.equal(checkClock(NOW, false, []).level, "warning");
  },
});

Deno.test({
  name:
    "checkSops(): only when the repository holds sops files; sops missing is an error, no key variable a warning",
  permissions: "none",
  fn() {
    const none = [fetched()];
    assert.equal(checkSops(none, undefined, []), undefined);
    const some = [fetched({ sopsFiles: ["gitops/pi/db/db.sops.env"] })];
    const missing = checkSops(
      some,
      { found: false, path: "sops", error: "sops is not installed" },
      [],
    );
    assert.equal(missing?.level, "error");
    assert.match(missing?.message ?? "", /gitops\/pi\/db\/db\.sops\.env.*sops does not run/);
    const sops = { found: true, path: "sops", version: "sops 3.9.4" } as const;
    assert.equal(checkSops(some, sops, [])?.level, "warning");
    assert.equal(checkSops(some, sops, ["SOPS_AGE_KEY_FILE"])?.level, "ok");
  },
});
