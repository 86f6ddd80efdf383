/**
 * hoist's own units and Butane examples: the files they name exist, and the units run what the
 * README says. (Their behaviour in a real systemd is tested by tests/e2e/timer_e2e_test.ts.)
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { parseConfig } from "../lib/config/load_config.ts";
import { unitEntries } from "../lib/desired/unit_text.ts";

const dir = new URL("../quadlets/", import.meta.url);
/** Files the operator brings; everything else a Butane file names must be in quadlets/. */
const BROUGHT = new Set(["hoist", "deploy_key", "known_hosts", "allowed_signers"]);

for (const bu of ["hoist.bu", "hoist-rootless.bu"]) {
  Deno.test(`${bu} parses, targets fcos, and every local file it names is shipped in quadlets/`, async () => {
    const doc = parse(await Deno.readTextFile(new URL(bu, dir))) as {
      variant: string;
      storage: { files: { path: string; contents?: { local?: string } }[] };
    };
    assert.equal(doc.variant, "fcos");
    const locals = doc.storage.files.flatMap((f) => f.contents?.local ?? []);
    assert.ok(locals.includes("hoist.timer"));
    for (const name of locals.filter((l) => !BROUGHT.has(l))) {
      await Deno.stat(new URL(name, dir)); // throws when missing
    }
    assert.ok(doc.storage.files.some((f) => f.path === "/usr/local/bin/hoist"));
  });
}

for (const unit of ["hoist.service", "hoist-user.service"]) {
  Deno.test(`${unit} is a oneshot running hoist apply from /usr/local/bin`, async () => {
    const entries = unitEntries(await Deno.readTextFile(new URL(unit, dir)));
    const get = (key: string) =>
      entries.find((e) => e.section === "Service" && e.key === key)?.value;
    assert.equal(get("Type"), "oneshot");
    assert.match(get("ExecStart") ?? "", /^\/usr\/local\/bin\/hoist apply\b/);
  });
}

/** The [Service] hardening hoist.service documents (README "Hardening"). */
const HARDENING = {
  ProtectSystem: "full",
  ReadWritePaths: "/etc/containers/systemd",
  StateDirectory: "hoist",
  PrivateTmp: "yes",
};

for (const unit of ["hoist.service", "hoist-serve.service"]) {
  Deno.test(`${unit} carries its hardening: read-only /usr and /etc but for quadlets, own state, private /tmp`, async () => {
    const entries = unitEntries(await Deno.readTextFile(new URL(unit, dir)));
    const service = entries.filter((e) => e.section === "Service");
    for (const [key, value] of Object.entries(HARDENING)) {
      assert.deepEqual(
        service.filter((e) => e.key === key).map((e) => e.value),
        [value],
        `[Service] ${key}=${value}, once`,
      );
    }
  });
}

for (const unit of ["hoist-serve.service", "hoist-serve-user.service"]) {
  Deno.test(`${unit} runs hoist serve, restarts on failure and gives a running reconcile time to finish`, async () => {
    const entries = unitEntries(await Deno.readTextFile(new URL(unit, dir)));
    const get = (key: string) =>
      entries.find((e) => e.section === "Service" && e.key === key)?.value;
    assert.equal(get("ExecStart"), "/usr/local/bin/hoist serve");
    assert.equal(get("Restart"), "on-failure");
    assert.equal(get("TimeoutStopSec"), "15min");
    assert.ok(entries.some((e) => e.section === "Install" && e.key === "WantedBy"));
  });
}

/**
 * Settings that turn NoNewPrivileges on by themselves in user mode, or in system mode without
 * CAP_SYS_ADMIN (systemd.exec(5), NoNewPrivileges=).
 */
const IMPLY_NO_NEW_PRIVILEGES = [
  "DynamicUser",
  "LockPersonality",
  "MemoryDenyWriteExecute",
  "PrivateDevices",
  "ProtectClock",
  "ProtectHostname",
  "ProtectKernelLogs",
  "ProtectKernelModules",
  "ProtectKernelTunables",
  "RestrictAddressFamilies",
  "RestrictNamespaces",
  "RestrictRealtime",
  "RestrictSUIDSGID",
  "SystemCallArchitectures",
  "SystemCallFilter",
  "SystemCallLog",
];

for (
  const unit of [
    "hoist.service",
    "hoist-user.service",
    "hoist-serve.service",
    "hoist-serve-user.service",
  ]
) {
  Deno.test(`${unit} leaves NoNewPrivileges off: rootless podman needs the setuid newuidmap`, async () => {
    const text = await Deno.readTextFile(new URL(unit, dir));
    const service = unitEntries(text).filter((e) => e.section === "Service");
    const keys = service.map((e) => e.key);
    // the parse found the unit's settings, so a NoNewPrivileges= would have been found too
    assert.ok(keys.includes("ExecStart") && keys.includes("Type"), keys.join(" "));
    assert.ok(!keys.includes("NoNewPrivileges"), `${unit} sets NoNewPrivileges`);
    assert.doesNotMatch(text, /^[ \t]*NoNewPrivileges[ \t]*=/m);
    if (unit.endsWith("-user.service")) {
      // a user manager: each of these would turn NoNewPrivileges on all the same
      const implying = keys.filter((k) => IMPLY_NO_NEW_PRIVILEGES.includes(k));
      assert.deepEqual(implying, [], `${unit} implies NoNewPrivileges through ${implying}`);
    } else {
      // root with CAP_SYS_ADMIN: its Protect*/Restrict* settings do not imply NoNewPrivileges
      for (const key of ["User", "DynamicUser", "CapabilityBoundingSet"]) {
        assert.ok(!keys.includes(key), `${unit} sets ${key}`);
      }
      assert.ok(keys.some((k) => IMPLY_NO_NEW_PRIVILEGES.includes(k)), "the hardening is there");
    }
  });
}

Deno.test("hoist.timer runs every 2 minutes, randomised, and catches up after downtime", async () => {
  const entries = unitEntries(await Deno.readTextFile(new URL("hoist.timer", dir)));
  const get = (key: string) => entries.find((e) => e.section === "Timer" && e.key === key)?.value;
  assert.equal(get("OnCalendar"), "*:0/2");
  assert.equal(get("Persistent"), "true");
  assert.ok(get("RandomizedDelaySec"));
});

for (const bu of ["hoist.bu", "hoist-rootless.bu"]) {
  Deno.test(`${bu}'s embedded config.toml is valid for hoist, with signatures required`, async () => {
    const doc = parse(await Deno.readTextFile(new URL(bu, dir))) as {
      storage: { files: { path: string; contents?: { inline?: string } }[] };
    };
    const file = doc.storage.files.find((f) => f.path.endsWith("/config.toml"))!;
    const config = parseConfig(file.contents!.inline!, file.path, {
      hostname: "pi",
      uid: 0,
      home: "/root",
      env: {},
    });
    assert.equal(config.trust.requireSigned, true);
    assert.ok(config.trust.allowedSigners);
    const shipped = doc.storage.files.map((f) => f.path);
    for (
      const needed of [
        config.trust.allowedSigners!,
        config.sources[0]!.sshKey!,
        config.sources[0]!.knownHosts!,
      ]
    ) {
      assert.ok(shipped.includes(needed), `${bu} provisions ${needed}`);
    }
  });
}
