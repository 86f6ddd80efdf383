/**
 * Every podman object by name, from the four listings as podman 5.4 printed them (trimmed to the
 * fields read): containers' `Names`, pods' and volumes' `Name`, networks' lowercase `name`.
 */
import assert from "node:assert/strict";
import { createPodman, OBJECT_LIST_ARGS, parseObjectList } from "../../lib/adapters/podman.ts";
import type { CommandResult, CommandSpec } from "../../lib/adapters/run_command.ts";

const PS = `[{"Id":"2a25e6","Names":["systemd-web"],"State":"running",
  "Labels":{"PODMAN_SYSTEMD_UNIT":"gitops-web.service","gitops-service":"web"}},
  {"Id":"77ab01","Names":["scratch"],"State":"exited","Labels":null}]`;
const PODS = `[{"Id":"f3e10f","Name":"h9-probe-pod","Status":"Created","Labels":{}}]`;
const NETWORKS = `[{"name":"podman","driver":"bridge"},
  {"name":"systemd-c-net","driver":"bridge","labels":{"e2e":"1"}}]`;
const VOLUMES = `[{"Name":"systemd-c-data","Driver":"local","Labels":{"e2e":"1"}}]`;

Deno.test({
  name: "parseObjectList() reads names and hoist's labels of containers, pods, networks, volumes",
  permissions: "none",
  fn() {
    assert.deepEqual(parseObjectList("container", PS), [
      { kind: "container", name: "systemd-web", service: "web", unit: "gitops-web.service" },
      { kind: "container", name: "scratch", service: "", unit: "" },
    ]);
    assert.deepEqual(parseObjectList("pod", PODS), [
      { kind: "pod", name: "h9-probe-pod", service: "", unit: "" },
    ]);
    assert.deepEqual(parseObjectList("network", NETWORKS).map((o) => o.name), [
      "podman",
      "systemd-c-net",
    ]);
    assert.deepEqual(parseObjectList("volume", VOLUMES).map((o) => `${o.kind}:${o.name}`), [
      "volume:systemd-c-data",
    ]);
    assert.deepEqual(parseObjectList("pod", "[]\n"), []);
    assert.deepEqual(parseObjectList("volume", "null"), []);
  },
});

Deno.test({
  name: "listObjects() runs the four listings, unfiltered, and keys every object by kind:name",
  permissions: "none",
  async fn() {
    const calls: CommandSpec[] = [];
    const answers = new Map([
      [OBJECT_LIST_ARGS.container.join(" "), PS],
      [OBJECT_LIST_ARGS.pod.join(" "), PODS],
      [OBJECT_LIST_ARGS.network.join(" "), NETWORKS],
      [OBJECT_LIST_ARGS.volume.join(" "), VOLUMES],
    ]);
    const run = (spec: CommandSpec): Promise<CommandResult> => {
      calls.push(spec);
      const out = answers.get(spec.args.join(" ")) ?? "unexpected";
      return Promise.resolve({ code: 0, stdout: new TextEncoder().encode(out), stderr: "" });
    };
    const found = await createPodman(run).listObjects();
    assert.equal(calls.length, 4);
    assert.ok(calls.every((c) => !c.args.includes("--filter")), "no label filter");
    assert.deepEqual([...found.keys()].sort(), [
      "container:scratch",
      "container:systemd-web",
      "network:podman",
      "network:systemd-c-net",
      "pod:h9-probe-pod",
      "volume:systemd-c-data",
    ]);
  },
});
