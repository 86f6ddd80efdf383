/**
 * checkGenerated() against `quadlet -dryrun` output: the text below was captured from podman
 * 5.4.2's generator (a container and a network, user mode) and only its service name and
 * ExecStart are varied per case.
 */
import assert from "node:assert/strict";
import { checkGenerated, type GeneratedService } from "../../lib/desired/check_generated.ts";
import type { DesiredState } from "../../lib/desired/types.ts";
import { assertBlocked, hostFiles, read, ready, service } from "./helpers.ts";
import { PURE } from "../support/pure.ts";

const CONTAINER = (name: string, execStart: string) => ({
  name,
  text: `[X-Container]
Image=docker.io/library/busybox:1.36
Exec=sleep 1000

[Install]
WantedBy=default.target

[Unit]
Wants=podman-user-wait-network-online.service
After=podman-user-wait-network-online.service
SourcePath=/tmp/hoist-validate-x/gitops-web.container
RequiresMountsFor=%t/containers

[Service]
Environment=PODMAN_SYSTEMD_UNIT=%n
KillMode=mixed
ExecStop=/usr/bin/podman rm -v -f -i --cidfile=%t/%N.cid
ExecStopPost=-/usr/bin/podman rm -v -f -i --cidfile=%t/%N.cid
Delegate=yes
Type=notify
NotifyAccess=all
SyslogIdentifier=%N
ExecStart=${execStart}
`,
});

const NETWORK: GeneratedService = {
  name: "web-net-network.service",
  text: `[X-Network]
NetworkName=shared

[Unit]
SourcePath=/tmp/hoist-validate-x/gitops-web/web-net.network

[Service]
ExecStart=/usr/bin/podman network create --ignore shared
Type=oneshot
RemainAfterExit=yes
`,
};

const RUN = "/usr/bin/podman run --name systemd-%N --cidfile=%t/%N.cid --replace --rm " +
  "--cgroups=split --sdnotify=conmon -d";
const IMAGE_EXEC = "docker.io/library/busybox:1.36 sleep 1000";

function desired(): DesiredState {
  return read(hostFiles(["web", "ok"], {
    "web/manifest.yml":
      "Container:\n  Image: docker.io/library/busybox:1.36\n  Label: app=x\n  Exec: sleep 1000\n",
    "web/web-net.network": "[Network]\nNetworkName=shared\n",
    "ok/manifest.yml": "Container:\n  Image: docker.io/library/busybox:1.36\n",
  }));
}

/** The web service's planned labels, as quadlet writes them (sorted by key). */
function labels(d: DesiredState): string {
  return `--label app=x --label gitops-hash=${ready(d, "web").hash} --label gitops-service=web`;
}

interface Case {
  readonly name: string;
  /** The generated container service, given the desired state; undefined: none generated. */
  readonly container: (d: DesiredState) => GeneratedService | undefined;
  readonly message?: RegExp;
}

const CASES: readonly Case[] = [
  {
    name: "accepts a service generated as planned",
    container: (d) => CONTAINER("gitops-web.service", `${RUN} ${labels(d)} ${IMAGE_EXEC}`),
  },
  {
    name: "accepts an -l inside the container's own command (after the image)",
    container: (d) =>
      CONTAINER("gitops-web.service", `${RUN} ${labels(d)} docker.io/library/busybox:1.36 ls -l`),
  },
  {
    name: "blocks a service generated under another name than hoist read",
    container: (d) => CONTAINER("sshd.service", `${RUN} ${labels(d)} ${IMAGE_EXEC}`),
    message:
      /^quadlet generates sshd\.service from gitops-web\.container, but hoist read it as gitops-web\.service$/,
  },
  {
    name: "blocks a unit the generator produced nothing from",
    container: () => undefined,
    message: /^quadlet generated no service from gitops-web\.container$/,
  },
  {
    name: "blocks an ExecStart without hoist's labels (they landed in [Unit])",
    container: () => CONTAINER("gitops-web.service", `${RUN} --label app=x ${IMAGE_EXEC}`),
    message: /sets gitops-service nowhere, not once to web/,
  },
  {
    name: "blocks a second gitops-hash appended after hoist's (podman keeps the last)",
    container: (d) =>
      CONTAINER(
        "gitops-web.service",
        `${RUN} ${labels(d)} --label gitops-hash=forged ${IMAGE_EXEC}`,
      ),
    message: /sets gitops-hash to \[".{16}","forged"\], not once to .{16}$/,
  },
  {
    name: "blocks a label set by chained short flags (-il)",
    container: (d) =>
      CONTAINER("gitops-web.service", `${RUN} ${labels(d)} -il gitops-hash=forged ${IMAGE_EXEC}`),
    message: /sets gitops-hash to \[/,
  },
  {
    name: "blocks --label-file",
    container: (d) =>
      CONTAINER("gitops-web.service", `${RUN} ${labels(d)} --label-file=/tmp/l ${IMAGE_EXEC}`),
    message: /reads labels from a file \(--label-file\)$/,
  },
  {
    name: "blocks another gitops-* label and a key systemd expands",
    container: (d) =>
      CONTAINER(
        "gitops-web.service",
        `${RUN} ${labels(d)} --label gitops-owner=me --label=gitops-hash%i=x ${IMAGE_EXEC}`,
      ),
    message: /sets the label "gitops-owner", which hoist reserves$/,
  },
  {
    name: "blocks a whole-word variable that systemd splits into options",
    container: (d) =>
      CONTAINER("gitops-web.service", `${RUN} --hostname $H ${labels(d)} ${IMAGE_EXEC}`),
    message: /passes "\$H", which systemd may expand into options$/,
  },
  {
    name: "blocks a lone ; that starts another command",
    container: (d) =>
      CONTAINER("gitops-web.service", `${RUN} ${labels(d)} ${IMAGE_EXEC} ; /usr/bin/touch /x`),
    message: /has a lone ";", which starts another command$/,
  },
];

for (const c of CASES) {
  Deno.test({
    name: `checkGenerated() ${c.name}`,
    permissions: PURE,
    fn() {
      const d = desired();
      const generated = new Map<string, GeneratedService>([[
        "gitops-web/web-net.network",
        NETWORK,
      ]]);
      const container = c.container(d);
      if (container) generated.set("gitops-web.container", container);
      const okUnit = CONTAINER(
        "gitops-ok.service",
        `${RUN} --label gitops-hash=${ready(d, "ok").hash} --label gitops-service=ok ` +
          "docker.io/library/busybox:1.36",
      );
      generated.set("gitops-ok.container", okUnit);
      const checked = checkGenerated(d, { errors: new Map(), generated });
      assert.equal(ready(checked, "ok").name, "ok", "the other service is not blocked");
      const web = service(checked, "web");
      const message = c.message;
      if (message === undefined) {
        assert.equal(web, service(d, "web"), "unchanged");
        return;
      }
      assertBlocked(web);
      const errors = web.problems.filter((p) => p.level === "error");
      assert.ok(errors.some((p) => message.test(p.message)), JSON.stringify(errors, null, 2));
      for (const p of errors) {
        assert.equal(p.file, "gitops/hostname_a/web/manifest.yml");
        assert.ok((p.hint ?? "").length > 0);
      }
    },
  });
}

Deno.test({
  name: "checkGenerated() blocks a service the generator rejected, with the generator's message",
  permissions: PURE,
  fn() {
    const d = desired();
    const checked = checkGenerated(d, {
      errors: new Map([["web-net.network", "unsupported key 'Foo' in group 'Network'"]]),
      generated: new Map(),
    });
    const web = service(checked, "web");
    assertBlocked(web);
    assert.match(web.problems[0]?.message ?? "", /^quadlet rejects gitops-web\/web-net\.network: /);
    assert.equal(web.problems.length, 1, "no second error for the unit it did not generate");
  },
});
