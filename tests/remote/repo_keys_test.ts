/**
 * Which committed key opens what: the key layout of host folders and branch-per-service sources,
 * admin keys, malformed files, and the allowed-signers text per scope: pure.
 */
import assert from "node:assert/strict";
import {
  allowedSigners,
  keysFor,
  type KeySource,
  repoKeys,
  scopeAllows,
} from "../../lib/remote/repo_keys.ts";
import type { RepoEntry } from "../../lib/types/repo_tree.ts";
import { ALICE, BOB, CAROL } from "./keys_fixture.ts";

const file = (text: string): RepoEntry => ({ kind: "file", data: new TextEncoder().encode(text) });
const tree = (entries: Record<string, RepoEntry>) => ({
  revision: "c0ffee",
  entries: new Map(Object.entries(entries)),
});
const hostFolders = (entries: Record<string, RepoEntry>): KeySource => ({
  kind: "host-folders",
  tree: tree(entries),
  root: "gitops/pi",
});
const summary = (
  sources: KeySource[],
  admin: { path: string; text: string | undefined }[] = [],
) => {
  const r = repoKeys(sources, admin);
  return {
    keys: r.keys.map((k) =>
      `${k.file}:${k.line} ${
        k.scope.kind === "host" ? "host" : k.scope.service
      } ${k.key.fingerprint}`
    ),
    problems: r.problems.map((p) => `${p.file}${p.line ? `:${p.line}` : ""}: ${p.message}`),
  };
};

Deno.test({
  name: "repoKeys() reads ssh/*.pub and ssh/keys of service folders and of the host folder",
  permissions: "none",
  fn() {
    const got = summary([hostFolders({
      "gitops/pi/config.yml": file("services: [web, db]\n"),
      "gitops/pi/web/ssh/alice.pub": file(`${ALICE.line}\n`),
      "gitops/pi/db/ssh/keys": file(`# db people\n\n${BOB.line}\n${CAROL.line}\n`),
      "gitops/pi/ssh/ops.pub": file(`${CAROL.line}\n`),
      // not key files: deeper, another name, another host, outside the host folder
      "gitops/pi/web/ssh/old/alice.pub": file(`${BOB.line}\n`),
      "gitops/pi/web/ssh/README": file(`${BOB.line}\n`),
      "gitops/pi/web/keys.pub": file(`${BOB.line}\n`),
      "gitops/other/web/ssh/alice.pub": file(`${BOB.line}\n`),
      "ssh/root.pub": file(`${BOB.line}\n`),
    })]);
    assert.deepEqual(got, {
      keys: [
        `gitops/pi/db/ssh/keys:3 db ${BOB.fingerprint}`,
        `gitops/pi/db/ssh/keys:4 db ${CAROL.fingerprint}`,
        `gitops/pi/ssh/ops.pub:1 host ${CAROL.fingerprint}`,
        `gitops/pi/web/ssh/alice.pub:1 web ${ALICE.fingerprint}`,
      ],
      problems: [],
    });
  },
});

Deno.test({
  name: "repoKeys(): a branch-per-service source's ssh/ at the branch root opens that service",
  permissions: "none",
  fn() {
    const got = summary([{
      kind: "branch-per-service",
      branches: new Map([
        ["web", tree({ "ssh/alice.pub": file(ALICE.line), "compose.yml": file("services: {}\n") })],
        ["db", tree({ "db/ssh/bob.pub": file(BOB.line) })],
      ]),
    }]);
    assert.deepEqual(got, { keys: [`web:ssh/alice.pub:1 web ${ALICE.fingerprint}`], problems: [] });
  },
});

Deno.test({
  name: "repoKeys(): a malformed line is a warning at file:line, the other keys still count",
  permissions: "none",
  fn() {
    const got = summary([hostFolders({
      "gitops/pi/web/ssh/keys": file(`${ALICE.line}\nssh-ed25519 AAAAtruncated\n${BOB.line}\n`),
      "gitops/pi/web/ssh/link.pub": {
        kind: "symlink",
        target: "/etc/ssh/ssh_host_ed25519_key.pub",
      },
      "gitops/pi/web/ssh/huge.pub": { kind: "too-large", size: 99_000_000 },
    })], [
      { path: "/etc/hoist/admin.pub", text: `${CAROL.line}\n` },
      { path: "/etc/hoist/gone.pub", text: undefined },
    ]);
    assert.deepEqual(got.keys, [
      `/etc/hoist/admin.pub:1 host ${CAROL.fingerprint}`,
      `gitops/pi/web/ssh/keys:1 web ${ALICE.fingerprint}`,
      `gitops/pi/web/ssh/keys:3 web ${BOB.fingerprint}`,
    ]);
    assert.deepEqual(got.problems, [
      "gitops/pi/web/ssh/keys:2: not a usable SSH public key: the key is not valid base64",
      "gitops/pi/web/ssh/link.pub: a key file must not be a symlink; its keys are not used",
      "gitops/pi/web/ssh/huge.pub: a key file of 99000000 bytes is too large; its keys are not used",
      "/etc/hoist/gone.pub: [remote] admin_keys: cannot read /etc/hoist/gone.pub",
    ]);
  },
});

Deno.test({
  name: "scopeAllows(): a service key opens its service only; a host key opens all and the host",
  permissions: "none",
  fn() {
    const web = { kind: "service", service: "web" } as const;
    const db = { kind: "service", service: "db" } as const;
    const host = { kind: "host" } as const;
    const cases: [typeof web | typeof host, typeof web | typeof db | typeof host, boolean][] = [
      [web, web, true],
      [web, db, false],
      [web, host, false],
      [host, web, true],
      [host, host, true],
    ];
    for (const [scope, target, want] of cases) {
      assert.equal(
        scopeAllows(scope, target),
        want,
        `${JSON.stringify(scope)} → ${JSON.stringify(target)}`,
      );
    }
  },
});

Deno.test({
  name:
    "allowedSigners() lists each key of the scope once, principal = fingerprint, hoist-remote only",
  permissions: "none",
  fn() {
    const { keys } = repoKeys([hostFolders({
      "gitops/pi/web/ssh/keys": file(`${ALICE.line}\n${BOB.line}\n`),
      "gitops/pi/db/ssh/keys": file(`${BOB.line}\n`),
      "gitops/pi/ssh/ops.pub": file(`${ALICE.line}\n`),
    })], []);
    const [aliceType, aliceKey] = ALICE.line.split(" ");
    const [bobType, bobKey] = BOB.line.split(" ");
    assert.equal(
      allowedSigners(keysFor(keys, { kind: "service", service: "db" })),
      `${BOB.fingerprint} namespaces="hoist-remote" ${bobType} ${bobKey}\n` +
        `${ALICE.fingerprint} namespaces="hoist-remote" ${aliceType} ${aliceKey}\n`,
    );
    assert.equal(
      allowedSigners(keysFor(keys, { kind: "host" })),
      `${ALICE.fingerprint} namespaces="hoist-remote" ${aliceType} ${aliceKey}\n`,
    );
    assert.equal(
      allowedSigners(keysFor(keys, { kind: "service", service: "nope" })).split("\n").length,
      2,
    );
  },
});
