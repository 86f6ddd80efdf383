/** imagesToPrune(): only images hoist pulled, keeping each service's current and previous one. */
import assert from "node:assert/strict";
import {
  imagesToPrune,
  parsePulledImages,
  type PulledImage,
  pulledImagesText,
} from "../../lib/images/prune_images.ts";

const p = (service: string, ref: string, id: string, at: string): PulledImage => ({
  service,
  ref,
  id,
  at: `2026-12-0${at}T00:00:00.000Z`,
});

const PULLS = [
  p("web", "ghcr.io/acme/web:1", "w1", "1"),
  p("web", "ghcr.io/acme/web:1", "w2", "2"), // the same tag, updated
  p("web", "ghcr.io/acme/web:1", "w3", "3"),
  p("api", "ghcr.io/acme/api:1", "a1", "1"),
  p("api", "ghcr.io/acme/api:2", "a2", "2"), // moved to a new tag
  p("api", "ghcr.io/acme/api:3", "a3", "3"),
  p("old", "ghcr.io/acme/old:1", "o1", "1"), // the service left the host
  p("db", "docker.io/library/redis:7", "shared", "1"),
  p("cache", "docker.io/library/redis:7", "shared", "2"), // the same image, kept by db
];

const cases: [string, Map<string, string[]>, string[]][] = [
  [
    "current and previous kept per service; older ones, a departed service's and nothing shared",
    new Map([
      ["web", ["ghcr.io/acme/web:1"]],
      ["api", ["ghcr.io/acme/api:3"]],
      ["db", ["docker.io/library/redis:7"]],
    ]),
    ["a1", "o1", "w1"],
  ],
  [
    "an image no longer named is the previous one when nothing newer is",
    new Map([
      ["web", ["ghcr.io/acme/web:1"]],
      ["api", ["ghcr.io/acme/api:9"]], // not pulled yet: a3 is its previous image
      ["old", ["ghcr.io/acme/old:1"]],
      ["db", ["docker.io/library/redis:7"]],
      ["cache", ["docker.io/library/redis:7"]],
    ]),
    ["a1", "a2", "w1"],
  ],
  ["no pulls recorded: nothing", new Map(), []],
];

for (const [name, desired, want] of cases) {
  Deno.test({
    name: `imagesToPrune(): ${name}`,
    permissions: "none",
    fn() {
      assert.deepEqual(imagesToPrune(name.startsWith("no pulls") ? [] : PULLS, desired), want);
    },
  });
}

Deno.test({
  name: "pulledImagesText() keeps one record per service, reference and id; parse reads it back",
  permissions: "none",
  fn() {
    const text = pulledImagesText([...PULLS, p("web", "ghcr.io/acme/web:1", "w3", "4")]);
    const back = parsePulledImages(text);
    assert.equal(back.length, PULLS.length);
    assert.equal(back.find((x) => x.id === "w3")?.at, "2026-12-04T00:00:00.000Z");
    assert.deepEqual(parsePulledImages("{broken"), []);
    assert.deepEqual(parsePulledImages(undefined), []);
  },
});
