/**
 * Observing other accounts (services with `user =`): nothing is looked up or spawned when no
 * service names one; an account that is missing or does not linger is not touched; the
 * account's files, containers and units come from its own adapters, its podman objects only when
 * a unit of it will be written.
 */
import assert from "node:assert/strict";
import type { AccountAccess } from "../../lib/observed/observe_accounts.ts";
import { accountScope, observeAccounts } from "../../lib/observed/observe_accounts.ts";
import type { DesiredState, ReadyService } from "../../lib/desired/types.ts";
import type { ObservedAccount } from "../../lib/types/observed.ts";

const E2E: ObservedAccount = {
  name: "e2e",
  uid: 1001,
  gid: 1001,
  home: "/home/e2e",
  lingers: true,
};

function service(name: string, user?: string): ReadyService {
  return {
    status: "ready",
    name,
    dependsOn: [],
    problems: [],
    hash: "h",
    legacyHash: "l",
    dir: "",
    units: [{
      path: `gitops-${name}.container`,
      type: "container",
      serviceUnit: `gitops-${name}.service`,
      entry: true,
      content: `[Container]\nImage=${name}\n`,
      source: `${name}/manifest.yml`,
    }],
    files: [],
    inputs: {},
    ...(user === undefined ? {} : { user: { name: user, file: "config.yml", line: 3 } }),
  };
}

function desired(...services: ReadyService[]): DesiredState {
  return { revision: "r", host: "h", root: "gitops/h", services, hosts: [], problems: [] };
}

const NO_INVENTORY = { services: new Map(), units: new Map() };

function access(
  calls: string[],
  accounts: Map<string, ObservedAccount | undefined>,
  file?: string,
) {
  const a: AccountAccess = {
    lookup: (names) => {
      calls.push(`lookup ${names.join(",")}`);
      return Promise.resolve(accounts);
    },
    target: (account) => ({
      systemctl: {
        list: (units: readonly string[]) => {
          calls.push(`${account.name}: list ${units.join(" ")}`);
          return Promise.resolve(
            new Map(units.map((u) => [u, { load: "loaded", active: "active", sub: "running" }])),
          );
        },
        show: () => Promise.resolve(new Map()),
      } as never,
      podman: {
        listContainers: () => {
          calls.push(`${account.name}: ps`);
          return Promise.resolve([]);
        },
        listObjects: () => {
          calls.push(`${account.name}: objects`);
          return Promise.resolve(new Map());
        },
      },
      files: {
        dir: "/home/e2e/.config/containers/systemd",
        read: (rel: string) => {
          calls.push(`${account.name}: read ${rel}`);
          return Promise.resolve(file);
        },
      } as never,
      run: () => Promise.reject(new Error("not used")),
    }),
  };
  return a;
}

Deno.test({
  name: "observeAccounts() looks nothing up and spawns nothing when no service names an account",
  permissions: "none",
  async fn() {
    const calls: string[] = [];
    const scope = accountScope(desired(service("web")), NO_INVENTORY);
    assert.deepEqual(scope.names, []);
    const seen = await observeAccounts(access(calls, new Map()), scope, new Set());
    assert.deepEqual(calls, []);
    assert.equal(seen.accounts.size, 0);
  },
});

Deno.test({
  name:
    "observeAccounts() reads an account's files, containers and units through its own adapters, and its objects only when a unit of it changes",
  permissions: "none",
  async fn() {
    const calls: string[] = [];
    const d = desired(service("web", "e2e"), service("api"));
    const scope = accountScope(d, NO_INVENTORY);
    assert.deepEqual([...scope.paths], [["gitops-web.container", "e2e"]]);
    const seen = await observeAccounts(
      access(calls, new Map([["e2e", E2E]]), "[Container]\nImage=web\n"),
      scope,
      new Set(),
    );
    assert.deepEqual(calls.sort(), [
      "e2e: list gitops-web.service",
      "e2e: ps",
      "e2e: read gitops-web.container",
      "lookup e2e",
    ]);
    assert.equal(seen.files.get("gitops-web.container"), "[Container]\nImage=web\n");
    assert.equal(seen.units.get("gitops-web.service")?.active, "active");
    const changed: string[] = [];
    await observeAccounts(access(changed, new Map([["e2e", E2E]]), "old"), scope, new Set());
    assert.ok(changed.includes("e2e: objects"), "a unit of e2e will be written: its objects");
  },
});

Deno.test({
  name: "observeAccounts() does not touch an account that is missing or does not linger",
  permissions: "none",
  async fn() {
    for (const account of [undefined, { ...E2E, lingers: false }]) {
      const calls: string[] = [];
      const scope = accountScope(desired(service("web", "e2e")), NO_INVENTORY);
      const seen = await observeAccounts(
        access(calls, new Map([["e2e", account]])),
        scope,
        new Set(),
      );
      assert.deepEqual(calls, ["lookup e2e"]);
      assert.equal(seen.accounts.get("e2e"), account);
    }
  },
});
