/** updateTargets(): which images `hoist update` pulls for a service and which units it restarts. */
import assert from "node:assert/strict";
import type { DesiredUnit, ReadyService } from "../../lib/desired/types.ts";
import { unitsToRestart, updateTargets } from "../../lib/run/update_targets.ts";

function unit(path: string, type: DesiredUnit["type"], content: string, entry = true): DesiredUnit {
  const base = path.slice(path.lastIndexOf("/") + 1, path.lastIndexOf("."));
  return {
    path,
    type,
    serviceUnit: type === "container" ? `${base}.service` : `${base}-${type}.service`,
    entry,
    content,
    source: path,
  };
}

function service(units: DesiredUnit[]): ReadyService {
  return {
    name: "web",
    status: "ready",
    dependsOn: [],
    problems: [],
    hash: "0".repeat(16),
    legacyHash: "0".repeat(16),
    dir: "/var/lib/hoist/services/web/0",
    units,
    files: [],
    inputs: {},
  };
}

const cases: { name: string; units: DesiredUnit[]; images: string[]; restart: string[] }[] = [
  {
    name: "one container: its image and its unit",
    units: [unit("gitops-web.container", "container", "[Container]\nImage=ghcr.io/acme/web:1.4\n")],
    images: ["ghcr.io/acme/web:1.4"],
    restart: ["gitops-web.service"],
  },
  {
    name: "two containers sharing an image pull it once; a network is neither pulled nor restarted",
    units: [
      unit("gitops-web/a.container", "container", "[Container]\nImage=docker.io/library/nginx:1\n"),
      unit(
        "gitops-web/b.container",
        "container",
        "[Unit]\nImage=not-this\n[Container]\nImage=docker.io/library/nginx:1\n",
      ),
      unit("gitops-web/net.network", "network", "[Network]\n", false),
    ],
    images: ["docker.io/library/nginx:1"],
    restart: ["a.service", "b.service"],
  },
  {
    name: ".image and .build units are quadlet's to pull or build",
    units: [
      unit("gitops-web/app.container", "container", "[Container]\nImage=app.build\n"),
      unit("gitops-web/db.container", "container", "[Container]\nImage=pg.image\n"),
      unit("gitops-web/pg.image", "image", "[Image]\nImage=docker.io/library/postgres:16\n", false),
    ],
    images: [],
    restart: ["app.service", "db.service"],
  },
  {
    name: "a digest-pinned image is still pulled (it is a no-op when present)",
    units: [
      unit(
        "gitops-web.container",
        "container",
        "[Container]\nImage=quay.io/x/y@sha256:" + "a".repeat(64) + "\n",
      ),
    ],
    images: ["quay.io/x/y@sha256:" + "a".repeat(64)],
    restart: ["gitops-web.service"],
  },
  {
    name: "a container with AutoUpdate= is podman auto-update's: its image is left out",
    units: [
      unit(
        "gitops-web/a.container",
        "container",
        "[Container]\nImage=ghcr.io/acme/a:1\nAutoUpdate=registry\n",
      ),
      unit("gitops-web/b.container", "container", "[Container]\nImage=ghcr.io/acme/b:1\n"),
    ],
    images: ["ghcr.io/acme/b:1"],
    restart: ["a.service", "b.service"],
  },
];

for (const c of cases) {
  Deno.test({
    name: `updateTargets(): ${c.name}`,
    permissions: "none",
    fn() {
      assert.deepEqual(updateTargets(service(c.units)), { images: c.images, units: c.restart });
    },
  });
}

const REDIS = "docker.io/library/redis:7";
const WEB = "ghcr.io/acme/web:1";
const container = (name: string, image: string, entry = true) =>
  unit(`gitops-blog/${name}.container`, "container", `[Container]\nImage=${image}\n`, entry);

const restarts: { name: string; units: DesiredUnit[]; changed: string[]; restart: string[] }[] = [
  {
    name: "a compose service's new image restarts its container only",
    units: [container("cache", REDIS), container("web", WEB)],
    changed: [REDIS],
    restart: ["cache.service"],
  },
  {
    name: "every container that runs the image, once",
    units: [container("cache", REDIS), container("queue", REDIS), container("web", WEB)],
    changed: [REDIS],
    restart: ["cache.service", "queue.service"],
  },
  {
    name: "two changed images: both their containers",
    units: [container("cache", REDIS), container("web", WEB)],
    changed: [REDIS, WEB],
    restart: ["cache.service", "web.service"],
  },
  {
    name: "a pod's member runs it: the service's entry units, as before",
    units: [
      container("cache", REDIS, false),
      container("web", WEB),
      unit("gitops-blog/blog.pod", "pod", "[Pod]\n"),
    ],
    changed: [REDIS],
    restart: ["blog-pod.service", "web.service"],
  },
  {
    name: "a container that runs it through the service's .image unit is restarted too",
    units: [
      container("cache", REDIS),
      container("queue", "redis.image"),
      container("web", WEB),
      unit("gitops-blog/redis.image", "image", `[Image]\nImage=${REDIS}\n`, false),
    ],
    changed: [REDIS],
    restart: ["cache.service", "queue.service"],
  },
  {
    name: "nothing known runs it: the service's entry units",
    units: [container("web", WEB)],
    changed: [REDIS],
    restart: ["web.service"],
  },
];

for (const c of restarts) {
  Deno.test({
    name: `unitsToRestart(): ${c.name}`,
    permissions: "none",
    fn() {
      assert.deepEqual(unitsToRestart(service(c.units), c.changed), c.restart);
    },
  });
}
