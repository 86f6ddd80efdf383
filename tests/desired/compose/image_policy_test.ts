/**
 * A compose service's `x-hoist: { images }`: the update policy of the image its container runs,
 * one policy per image (the strictest, with a warning), bad values at their line; and how
 * config.yml's `services.<name>.images` stays the default for the other images.
 */
import assert from "node:assert/strict";
import { PURE } from "../../support/pure.ts";
import { convert, messages } from "./helpers.ts";
import { HOST, read, ready } from "../helpers.ts";
import { writtenPolicy } from "../../../lib/images/update_policy.ts";
import { defaultServices } from "../../../lib/run/not_updatable.ts";

const REDIS = "docker.io/library/redis:7";
const WEB = "ghcr.io/acme/web:1";

/** A compose service `name` running `image`, with `hoist` as its x-hoist map when given. */
const svc = (name: string, image: string, hoist?: string) =>
  `  ${name}:\n    image: ${image}\n${hoist === undefined ? "" : `    x-hoist: ${hoist}\n`}`;

const cases: {
  name: string;
  services: string;
  /** The container's `images` policy per unit file; absent ones have none. */
  policies: Record<string, string>;
  problems: string[];
}[] = [
  {
    name: "a compose service's images: auto is its container's policy, not the others'",
    services: svc("cache", REDIS, "{images: auto}") + svc("web", WEB),
    policies: { "gitops-p-cache.container": "auto" },
    problems: [],
  },
  {
    name: "no x-hoist images: no policy (config.yml's or the reference's applies)",
    services: svc("cache", REDIS) + svc("web", WEB, "{health: none}"),
    policies: {},
    problems: [],
  },
  {
    name: "each compose service its own image, its own policy",
    services: svc("cache", REDIS, "{images: pinned}") + svc("web", WEB, "{images: auto}"),
    policies: { "gitops-p-cache.container": "pinned", "gitops-p-web.container": "auto" },
    problems: [],
  },
  {
    name: "a compose service without images: follows the one that runs the same image",
    services: svc("cache", REDIS, "{images: auto}") + svc("queue", REDIS),
    policies: { "gitops-p-cache.container": "auto", "gitops-p-queue.container": "auto" },
    problems: [],
  },
  {
    name: "two policies for one image: the stricter for both, a warning at the looser one's line",
    services: svc("cache", REDIS, "{images: auto}") + svc("queue", REDIS, "{images: manual}"),
    policies: { "gitops-p-cache.container": "manual", "gitops-p-queue.container": "manual" },
    problems: [
      `warning: p/compose.yaml:4: services.cache.x-hoist.images: auto, but queue runs the same image ${REDIS} with images: manual; one image has one update policy: the stricter, manual, applies to cache too`,
    ],
  },
  {
    name: "pinned is the strictest of three",
    services: svc("a", REDIS, "{images: auto}") + svc("b", REDIS, "{images: pinned}") +
      svc("c", REDIS, "{images: manual}"),
    policies: {
      "gitops-p-a.container": "pinned",
      "gitops-p-b.container": "pinned",
      "gitops-p-c.container": "pinned",
    },
    problems: [
      `warning: p/compose.yaml:4: services.a.x-hoist.images: auto, but b runs the same image ${REDIS} with images: pinned; one image has one update policy: the stricter, pinned, applies to a too`,
      `warning: p/compose.yaml:10: services.c.x-hoist.images: manual, but b runs the same image ${REDIS} with images: pinned; one image has one update policy: the stricter, pinned, applies to c too`,
    ],
  },
  {
    name: "a value that is no policy is an error at its line",
    services: svc("web", WEB, "{images: sometimes}"),
    policies: {},
    problems: [
      'error: p/compose.yaml:4: services.web.x-hoist.images: must be pinned, manual or auto, got "sometimes"',
    ],
  },
  {
    name: "a list is an error at its line",
    services: svc("web", WEB, "\n      images: [auto]"),
    policies: {},
    problems: [
      "error: p/compose.yaml:5: services.web.x-hoist.images: must be pinned, manual or auto, got a list of 1",
    ],
  },
  {
    name: "an unknown x-hoist key names the two it knows",
    services: svc("web", WEB, "{image: auto}"),
    policies: {},
    problems: ["error: p/compose.yaml:4: services.web.x-hoist.image: unknown key"],
  },
];

Deno.test({
  name: "convertCompose(): images: in the file's own x-hoist is an error saying where it goes",
  permissions: PURE,
  fn() {
    const read = convert(`x-hoist:\n  images: auto\nservices:\n${svc("web", WEB)}`);
    assert.deepEqual(read.problems.map((p) => [p.line, p.message, p.hint]), [
      [
        2,
        "x-hoist.images: unknown key",
        "images is set per compose service: services.<name>.x-hoist.images",
      ],
    ]);
  },
});

for (const c of cases) {
  Deno.test({
    name: `convertCompose() x-hoist images: ${c.name}`,
    permissions: PURE,
    fn() {
      const read = convert(`services:\n${c.services}`);
      assert.deepEqual(messages(read), c.problems);
      const got = Object.fromEntries(
        (read.value?.units ?? []).flatMap((u) =>
          u.images === undefined ? [] : [[u.fileName, u.images]]
        ),
      );
      assert.deepEqual(got, c.policies);
    },
  });
}

Deno.test({
  name:
    "readDesired() keys x-hoist images by image; config.yml's services.<name>.images stays the default of the others",
  permissions: PURE,
  fn() {
    const blog = ready(
      read({
        [`${HOST}/config.yml`]: "services:\n  blog:\n    images: manual\n",
        [`${HOST}/blog/compose.yaml`]: `services:\n${svc("cache", REDIS, "{images: auto}")}${
          svc("web", WEB)
        }`,
      }),
      "blog",
    );
    assert.deepEqual(blog.imagePolicies, { [REDIS]: "auto" });
    assert.equal(writtenPolicy(blog, REDIS), "auto");
    assert.equal(writtenPolicy(blog, WEB), "manual");
    // the scheduled check picks the project for its auto image; a project without one it leaves
    assert.deepEqual(defaultServices([blog], true), ["blog"]);
    assert.deepEqual(defaultServices([{ ...blog, imagePolicies: {} }], true), []);
  },
});

const written: [string, Parameters<typeof writtenPolicy>[0], string, string | undefined][] = [
  ["nothing written", {}, REDIS, undefined],
  ["config.yml only", { updatePolicy: "pinned" }, REDIS, "pinned"],
  [
    "x-hoist wins for its image",
    { updatePolicy: "pinned", imagePolicies: { [REDIS]: "auto" } },
    REDIS,
    "auto",
  ],
  [
    "config.yml for another image",
    { updatePolicy: "pinned", imagePolicies: { [REDIS]: "auto" } },
    WEB,
    "pinned",
  ],
  ["x-hoist alone, another image", { imagePolicies: { [REDIS]: "auto" } }, WEB, undefined],
  [
    "Image= with spaces around it",
    { imagePolicies: { [REDIS]: "manual" } },
    ` ${REDIS} `,
    "manual",
  ],
];

for (const [name, service, image, policy] of written) {
  Deno.test({
    name: `writtenPolicy(): ${name}`,
    permissions: "none",
    fn() {
      assert.equal(writtenPolicy(service, image), policy);
    },
  });
}
