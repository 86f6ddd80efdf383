/**
 * reconcile() lists what systemd restarts or stops by itself with the units the plan restarts or
 * stops (Requires=, BindsTo=, PartOf=, and quadlet references), with a reason and a code.
 * Table-driven, permissions PURE.
 */
import assert from "node:assert/strict";
import { unitEdges } from "../../lib/reconcile/consequences.ts";
import type { DesiredState } from "../../lib/desired/types.ts";
import { renderPlanText } from "../../lib/render/plan_text.ts";
import { planJson } from "../../lib/render/plan_json.ts";
import {
  cleanDesired,
  configYml,
  deployed,
  type FakeObserved,
  plan,
  unitState,
} from "./helpers.ts";
import { PURE } from "../support/pure.ts";

/** A container manifest with `[Unit]` lines (`Requires: gitops-api.service`). */
function manifest(image: string, unit: Record<string, string> = {}): string {
  const lines = Object.entries(unit).map(([k, v]) => `  ${k}: ${v}\n`).join("");
  return `${lines === "" ? "" : `Unit:\n${lines}`}Container:\n  Image: ${image}\n`;
}

function repo(
  services: Record<string, string>,
  revision: string,
): DesiredState {
  const files: Record<string, string> = { "config.yml": configYml(Object.keys(services)) };
  for (const [name, text] of Object.entries(services)) files[`${name}/manifest.yml`] = text;
  return cleanDesired(files, revision);
}

const REQ = { Requires: "gitops-api.service", After: "gitops-api.service" };
const CHAIN_V1 = repo({
  api: manifest("api:1"),
  web: manifest("web:1", REQ),
  front: manifest("front:1", { Requires: "gitops-web.service", After: "gitops-web.service" }),
}, "rev1");
const CHAIN_V2 = repo({
  api: manifest("api:2"),
  web: manifest("web:1", REQ),
  front: manifest("front:1", { Requires: "gitops-web.service", After: "gitops-web.service" }),
}, "rev2");

interface Scenario {
  readonly name: string;
  readonly desired: DesiredState;
  readonly host: () => FakeObserved;
  /** `kind unit (service): reason [code]` per consequence. */
  readonly consequences: readonly string[];
}

const scenarios: readonly Scenario[] = [
  {
    name: "lists a service that Requires= a restarted one, and what requires that in turn",
    desired: CHAIN_V2,
    host: () => deployed(CHAIN_V1),
    consequences: [
      "restart gitops-web.service (web): restarted by systemd with gitops-api.service (Requires=) [restarted-by-systemd]",
      "restart gitops-front.service (front): restarted by systemd with gitops-web.service (Requires=) [restarted-by-systemd]",
    ],
  },
  {
    name: "does not list a dependent that is not running (systemd restarts only active ones)",
    desired: CHAIN_V2,
    host: () => {
      const h = deployed(CHAIN_V1);
      h.units.set("gitops-web.service", unitState("inactive"));
      return h;
    },
    consequences: [],
  },
  {
    name: "does not repeat a unit the plan restarts itself",
    desired: repo({ api: manifest("api:2"), web: manifest("web:2", REQ) }, "rev2"),
    host: () => deployed(repo({ api: manifest("api:1"), web: manifest("web:1", REQ) }, "rev1")),
    consequences: [],
  },
  {
    name: "lists a service stopped with one that left config.yml (BindsTo=)",
    desired: repo({ web: manifest("web:1", { BindsTo: "gitops-api.service" }) }, "rev2"),
    host: () =>
      deployed(
        repo(
          { api: manifest("api:1"), web: manifest("web:1", { BindsTo: "gitops-api.service" }) },
          "rev1",
        ),
      ),
    consequences: [
      "stop gitops-web.service (web): stopped by systemd with gitops-api.service (BindsTo=) [stopped-by-systemd]",
    ],
  },
  {
    name: "lists a service that is PartOf= a restarted one, and not one that only Wants= it",
    desired: repo({
      api: manifest("api:2"),
      web: manifest("web:1", { PartOf: "gitops-api.service" }),
      side: manifest("side:1", { Wants: "gitops-api.service" }),
    }, "rev2"),
    host: () =>
      deployed(repo({
        api: manifest("api:1"),
        web: manifest("web:1", { PartOf: "gitops-api.service" }),
        side: manifest("side:1", { Wants: "gitops-api.service" }),
      }, "rev1")),
    consequences: [
      "restart gitops-web.service (web): restarted by systemd with gitops-api.service (PartOf=) [restarted-by-systemd]",
    ],
  },
  {
    name: "lists nothing on a no-op",
    desired: CHAIN_V1,
    host: () => deployed(CHAIN_V1),
    consequences: [],
  },
];

for (const s of scenarios) {
  Deno.test({
    name: `reconcile() ${s.name}`,
    permissions: PURE,
    fn() {
      const p = plan(s.desired, s.host());
      assert.deepEqual(
        p.consequences.map((c) => `${c.kind} ${c.unit} (${c.service}): ${c.reason} [${c.code}]`),
        s.consequences,
      );
    },
  });
}

Deno.test({
  name:
    "unitEdges() turns quadlet references into the dependencies the generator adds (Network=, Volume= Requires; Pod= BindsTo)",
  permissions: "none",
  fn() {
    const edges = unitEdges([
      {
        path: "x/app.container",
        service: "x",
        serviceUnit: "app.service",
        content:
          "[Container]\nImage=img\nNetwork=net.network\nVolume=data.volume:/data\nPod=p.pod\n",
      },
      {
        path: "x/net.network",
        service: "x",
        serviceUnit: "net-network.service",
        content: "[Network]\n",
      },
      {
        path: "x/data.volume",
        service: "x",
        serviceUnit: "data-volume.service",
        content: "[Volume]\n",
      },
      { path: "x/p.pod", service: "x", serviceUnit: "p-pod.service", content: "[Pod]\n" },
    ]);
    assert.deepEqual(edges.map((e) => `${e.unit} ${e.via} ${e.target} (${e.from ?? "Unit"})`), [
      "app.service Requires net-network.service (Network)",
      "app.service Requires data-volume.service (Volume)",
      "app.service BindsTo p-pod.service (Pod)",
    ]);
  },
});

Deno.test({
  name: "the plan shows systemd's restarts in text and JSON, with reason and code",
  permissions: PURE,
  fn() {
    const p = plan(CHAIN_V2, deployed(CHAIN_V1));
    const text = renderPlanText(p, { color: false });
    assert.match(
      text,
      /\nsystemd does these by itself, with the actions above:\n~ restart gitops-web\.service \(web\): restarted by systemd with gitops-api\.service \(Requires=\)\n~ restart gitops-front\.service \(front\): restarted by systemd with gitops-web\.service \(Requires=\)\n/,
    );
    assert.match(text, /\nsystemd restarts 2 more units through their dependencies\.\n/);
    assert.deepEqual(planJson(p).consequences[0], {
      kind: "restart",
      unit: "gitops-web.service",
      service: "web",
      cause: "gitops-api.service",
      via: "Requires",
      code: "restarted-by-systemd",
      reason: "restarted by systemd with gitops-api.service (Requires=)",
    });
  },
});
