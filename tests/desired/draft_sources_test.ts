import assert from "node:assert/strict";
import { DRAFT_SOURCES, draftSourceOf, isDraftFile } from "../../lib/desired/draft_sources.ts";
import { manifestSource } from "../../lib/desired/manifest_source.ts";
import { rawQuadletSource } from "../../lib/desired/raw_quadlet_source.ts";
import { readDrafts } from "../../lib/desired/read_drafts.ts";
import { NO_SECRETS } from "../../lib/desired/secrets.ts";
import type { ServiceContext } from "../../lib/desired/service_context.ts";
import { repoTree } from "./helpers.ts";
import { PURE } from "../support/pure.ts";

const CTX: ServiceContext = {
  root: "h",
  prefix: "gitops-",
  mode: "user",
  stateDir: "/s",
  hostHash: "",
  hostDir: "",
  configFile: "h/config.yml",
  secrets: NO_SECRETS,
};

Deno.test({
  name: "DRAFT_SOURCES reads each top-level unit input with exactly one source",
  permissions: PURE,
  fn() {
    const cases: [string, string | undefined][] = [
      ["manifest.yml", manifestSource.kind],
      ["manifest.sops.yml", manifestSource.kind],
      ...[".container", ".network", ".volume", ".pod", ".kube", ".image", ".build"].map(
        (ext): [string, string] => [`app${ext}`, rawQuadletSource.kind],
      ),
      ["manifest.yaml", undefined],
      ["app.env", undefined],
      ["Caddyfile", undefined],
      ["conf/app.container", undefined],
      ["sub/manifest.yml", undefined],
    ];
    for (const [rel, kind] of cases) {
      const top = !rel.includes("/");
      assert.ok(DRAFT_SOURCES.filter((s) => top && s.matches(rel)).length <= 1, rel);
      assert.equal(draftSourceOf(rel)?.kind, kind, rel);
      assert.equal(isDraftFile(rel), kind !== undefined, rel);
    }
  },
});

Deno.test({
  name: "readDrafts() reads the folder's unit inputs in file name order and skips folders",
  permissions: PURE,
  fn() {
    const tree = repoTree({
      "h/web/manifest.yml": "Container:\n  Image: a\n",
      "h/web/b.network": "[Network]\n",
      "h/web/a.volume": "[Volume]\n",
      "h/web/dir.container/x": "not a unit\n",
      "h/web/sub/c.network": "[Network]\n",
      "h/web/Caddyfile": ":80\n",
    });
    const { value, problems } = readDrafts({ tree, dir: "h/web", name: "web", ctx: CTX });
    assert.deepEqual(problems, []);
    assert.deepEqual(value.map((d) => [d.path, d.source]), [
      ["gitops-web/a.volume", "h/web/a.volume"],
      ["gitops-web/b.network", "h/web/b.network"],
      ["gitops-web.container", "h/web/manifest.yml"],
    ]);
  },
});

Deno.test({
  name: "manifestSource reads manifest.sops.yml with manifest.yml, and refuses it alone",
  permissions: PURE,
  fn() {
    const both = repoTree({
      "h/db/manifest.yml": "Container:\n  Image: a\n",
      "h/db/manifest.sops.yml": "ENC",
    });
    const folder = { tree: both, dir: "h/db", name: "db", ctx: CTX };
    assert.deepEqual(manifestSource.read(folder, "manifest.sops.yml"), {
      value: [],
      problems: [],
    });
    const alone = repoTree({ "h/db/manifest.sops.yml": "ENC" });
    const read = manifestSource.read({ ...folder, tree: alone }, "manifest.sops.yml");
    assert.deepEqual(read.value, []);
    assert.deepEqual(read.problems.map((p) => [p.level, p.file, p.message]), [
      ["error", "h/db/manifest.sops.yml", "manifest.yml is missing next to manifest.sops.yml"],
    ]);
  },
});
