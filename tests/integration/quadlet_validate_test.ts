/**
 * Rendered units against the real quadlet generator (`quadlet -dryrun`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { createFs } from "../../lib/adapters/fs.ts";
import { createQuadlet, parseDryRun, parseQuadletErrors } from "../../lib/adapters/quadlet.ts";
import { readDirTree } from "../../lib/adapters/read_dir_tree.ts";
import { createRunner } from "../../lib/adapters/run_command.ts";
import { readDesired } from "../../lib/desired/read_desired.ts";
import { checkGenerated } from "../../lib/desired/check_generated.ts";
import { splitArgs } from "../../lib/desired/labels.ts";
import { type DesiredState, desiredUnits, readyServices } from "../../lib/desired/types.ts";
import {
  EXAMPLE_HOST,
  EXAMPLE_REPO,
  memTree,
  QUADLET_BIN,
  skipWithoutQuadlet,
  withTempDir,
} from "./helpers.ts";

const ignore = skipWithoutQuadlet();

const validator = (mode: "user" | "system" = "user") =>
  createQuadlet(createRunner(), createFs(), mode, QUADLET_BIN);

const unitsOf = (desired: DesiredState) =>
  new Map(
    desired.services.flatMap((s) => desiredUnits(s).map((u) => [u.path, u.content] as const)),
  );

const read = (files: Record<string, string>, mode: "user" | "system" = "user") =>
  readDesired(memTree(files), {
    path: "gitops",
    host: "h",
    prefix: "gitops-",
    mode,
    stateDir: "/var/lib/hoist",
  });

const services = (list: Record<string, Record<string, string>>) => {
  const files: Record<string, string> = {
    "gitops/h/config.yml": `services:\n${Object.keys(list).map((s) => `  ${s}: {}\n`).join("")}`,
  };
  for (const [svc, svcFiles] of Object.entries(list)) {
    for (const [path, text] of Object.entries(svcFiles)) files[`gitops/h/${svc}/${path}`] = text;
  }
  return files;
};

const IMAGE = "docker.io/library/busybox:1.36";

for (const mode of ["user", "system"] as const) {
  Deno.test({
    name: `every unit rendered from examples/homelab passes the real generator (${mode} mode)`,
    ignore,
    async fn() {
      const desired = readDesired(await readDirTree(EXAMPLE_REPO), {
        path: "gitops",
        host: EXAMPLE_HOST,
        prefix: "gitops-",
        mode,
        stateDir: "/var/lib/hoist",
      });
      const problems = [...desired.problems, ...desired.services.flatMap((s) => s.problems)];
      assert.deepEqual(problems.filter((p) => p.level === "error"), []);
      const units = unitsOf(desired);
      assert.ok(units.size >= 5, `expected the example's units, got ${[...units.keys()]}`);
      assert.deepEqual(await validator(mode).validate(units, []), new Map());
    },
  });
}

Deno.test({
  name: "a manifest with a key quadlet does not know is rejected with the generator's message",
  ignore,
  async fn() {
    const desired = read(services({
      bad: { "manifest.yml": `Container:\n  Image: ${IMAGE}\n  Foo: bar\n` },
      good: { "manifest.yml": `Container:\n  Image: ${IMAGE}\n` },
    }));
    const errors = await validator().validate(unitsOf(desired), []);
    assert.deepEqual([...errors.keys()], ["gitops-bad.container"]);
    const message = errors.get("gitops-bad.container")!;
    assert.match(message, /unsupported key 'Foo'/);
    assert.match(message, /Container/);
    assert.doesNotMatch(message, /hoist-validate-/, "the temp folder is not part of the message");
  },
});

Deno.test({
  name: "references to units of another file resolve: Network=x.network, Volume=y.volume",
  ignore,
  async fn() {
    const desired = read(services({
      net: { "x.network": "[Network]\nSubnet=10.89.50.0/24\n" },
      app: {
        "manifest.yml":
          `Container:\n  Image: ${IMAGE}\n  Network: x.network\n  Volume: y.volume:/data\n`,
        "y.volume": "[Volume]\n",
      },
      raw: { "raw.container": `[Container]\nImage=${IMAGE}\nNetwork=x.network\n` },
    }));
    const units = unitsOf(desired);
    assert.ok(units.has("gitops-net/x.network"), [...units.keys()].join(", "));
    assert.deepEqual(await validator().validate(units, []), new Map());
  },
});

Deno.test({
  name: "a reference to a unit that exists nowhere is rejected, one in the live folder resolves",
  ignore,
  async fn() {
    await withTempDir(async (live) => {
      const desired = read(services({
        app: { "manifest.yml": `Container:\n  Image: ${IMAGE}\n  Network: shared.network\n` },
      }));
      const units = unitsOf(desired);
      const missing = await validator().validate(units, [live]);
      assert.match(missing.get("gitops-app.container") ?? "", /shared\.network/);
      await Deno.writeTextFile(`${live}/shared.network`, "[Network]\n");
      assert.deepEqual(await validator().validate(units, [live]), new Map());
    });
  },
});

Deno.test({
  name: "only hoist's own units are judged: a broken file in the live folder is not reported",
  ignore,
  async fn() {
    await withTempDir(async (live) => {
      await Deno.writeTextFile(`${live}/theirs.container`, `[Container]\nImage=${IMAGE}\nBar=1\n`);
      const desired = read(
        services({ app: { "manifest.yml": `Container:\n  Image: ${IMAGE}\n` } }),
      );
      assert.deepEqual(await validator().validate(unitsOf(desired), [live]), new Map());
    });
  },
});

// --- the generator's own reading, checked against hoist's plan (issue 9, classes 1–4) ---

/** The podman arguments of a generated container service's ExecStart, as systemd splits them. */
const execStartWords = (text: string): string[] => {
  const line = text.split("\n").findLast((l) => l.startsWith("ExecStart="));
  return splitArgs(line?.slice("ExecStart=".length) ?? "") ?? [];
};

/** The values of every `--label k=v` for `key` among `words`. */
const labelValues = (words: readonly string[], key: string): string[] =>
  words.flatMap((w, i) =>
    words[i - 1] === "--label" && w.startsWith(`${key}=`) ? [w.slice(key.length + 1)] : []
  );

for (const mode of ["user", "system"] as const) {
  Deno.test({
    name:
      `generate() returns the services hoist planned, with exactly hoist's labels in ExecStart: two, and a compose service's own hash on its container (${mode} mode)`,
    ignore,
    async fn() {
      const desired = read(
        services({
          web: { "manifest.yml": `Container:\n  Image: ${IMAGE}\n  Label: app=web\n` },
          raw: {
            "db.container": `[Container]\nImage=${IMAGE}\nServiceName=raw-db\n`,
            "net.network": "[Network]\n",
          },
          blog: {
            "compose.yaml": `services:\n  web:\n    image: ${IMAGE}\n  api:\n    image: ${IMAGE}\n`,
          },
        }),
        mode,
      );
      const run = await validator(mode).generate(unitsOf(desired), []);
      assert.deepEqual(run.errors, new Map());
      for (const s of readyServices(desired.services)) {
        for (const u of s.units) {
          const g = run.generated.get(u.path);
          assert.equal(g?.name, u.serviceUnit, u.path);
          if (u.type !== "container") continue;
          const words = execStartWords(g?.text ?? "");
          assert.deepEqual(labelValues(words, "gitops-service"), [s.name]);
          assert.deepEqual(labelValues(words, "gitops-hash"), [s.hash]);
          assert.deepEqual(
            labelValues(words, "gitops-unit-hash"),
            u.group ? [u.group.hash] : [],
            u.path,
          );
          assert.equal(u.group !== undefined, s.name === "blog", u.path);
        }
      }
      assert.equal(run.generated.get("gitops-raw/net.network")?.name, "net-network.service");
      assert.equal(checkGenerated(desired, run), desired, "nothing to block");
    },
  });
}

/**
 * Units hoist now refuses, given to the generator as they are (as an older hoist, or any reader
 * that disagreed with quadlet, would have written them): the check of the generated services
 * must block each, whatever hoist thought the unit said.
 */
const TAMPERED: readonly {
  readonly name: string;
  readonly tamper: (content: string) => string;
  readonly message: RegExp;
}[] = [
  {
    name: "a backslash and spaces continue ServiceName= (hoist read gitops-web, quadlet sshd)",
    tamper: (c) => c + "\n[Container]\nServiceName=ss\\ \t\nhd\n",
    message:
      /^quadlet generates sshd\.service from gitops-web\.container, but hoist read it as gitops-web\.service$/,
  },
  {
    name: "a continued [Unit] line swallows the [Container] header hoist's labels follow",
    tamper: (c) => `[Unit]\nDescription=web \\\t\n${c}\n[Container]\nImage=${IMAGE}\n`,
    message: /sets gitops-service nowhere, not once to web/,
  },
  {
    name: "a forged gitops-hash after hoist's",
    tamper: (c) => c + "\n[Container]\nLabel=gitops-hash=forged\n",
    message: /sets gitops-hash to \[.*"forged"\]/,
  },
  {
    name: "a gitops-unit-hash on a container that is no compose service's",
    tamper: (c) => c + "\n[Container]\nLabel=gitops-unit-hash=0123456789abcdef\n",
    message: /sets the label "gitops-unit-hash", which hoist reserves/,
  },
  {
    name: "a %i specifier in a label key",
    tamper: (c) => c + "\n[Container]\nLabel=gitops-hash%i=forged\n",
    message: /sets the label "gitops-hash%i", which hoist reserves/,
  },
  {
    name: "chained short flags in PodmanArgs",
    tamper: (c) => c + "\n[Container]\nPodmanArgs=-il gitops-hash=forged\n",
    message: /sets gitops-hash to \[/,
  },
  {
    name: "a ServiceName that climbs out of the generator's folder",
    tamper: (c) => c + "\n[Container]\nServiceName=../../../etc/systemd/system/evil\n",
    message: /^quadlet generates \.\.\/\.\.\/\.\.\/etc\/systemd\/system\/evil\.service from /,
  },
];

for (const c of TAMPERED) {
  Deno.test({
    name: `the generated service is checked against the plan: ${c.name} blocks the service`,
    ignore,
    async fn() {
      const desired = read(services({
        web: { "manifest.yml": `Container:\n  Image: ${IMAGE}\n` },
        ok: { "manifest.yml": `Container:\n  Image: ${IMAGE}\n` },
      }));
      const units = unitsOf(desired);
      const content = units.get("gitops-web.container") ?? "";
      units.set("gitops-web.container", c.tamper(content));
      const checked = checkGenerated(desired, await validator().generate(units, []));
      const web = checked.services.find((s) => s.name === "web");
      assert.equal(web?.status, "blocked");
      const messages = (web?.problems ?? []).map((p) => p.message);
      assert.ok(messages.some((m) => c.message.test(m)), messages.join("\n"));
      assert.equal(checked.services.find((s) => s.name === "ok")?.status, "ready");
    },
  });
}

Deno.test({
  name:
    "the generated service is checked against the plan: a forged or second gitops-unit-hash on a compose service's container blocks the project",
  ignore,
  async fn() {
    const desired = read(services({
      blog: { "compose.yaml": `services:\n  web:\n    image: ${IMAGE}\n` },
      ok: { "manifest.yml": `Container:\n  Image: ${IMAGE}\n` },
    }));
    const path = "gitops-blog/gitops-blog-web.container";
    for (const extra of ["Label=gitops-unit-hash=forged", "PodmanArgs=-l gitops-unit-hash=0"]) {
      const units = unitsOf(desired);
      units.set(path, `${units.get(path) ?? ""}\n[Container]\n${extra}\n`);
      const checked = checkGenerated(desired, await validator().generate(units, []));
      const blog = checked.services.find((s) => s.name === "blog");
      assert.equal(blog?.status, "blocked", extra);
      const messages = (blog?.problems ?? []).map((p) => p.message);
      assert.ok(
        messages.some((m) => /sets gitops-unit-hash to \[/.test(m)),
        `${extra}: ${messages.join("\n")}`,
      );
      assert.equal(checked.services.find((s) => s.name === "ok")?.status, "ready");
    }
  },
});

Deno.test({
  name:
    "a unit quadlet cannot load is reported from its 'error loading' line, and its folder's other units as not generated",
  ignore,
  async fn() {
    const desired = read(services({
      raw: { "a.container": `[Container]\nImage=${IMAGE}\n`, "b.network": "[Network]\n" },
      ok: { "manifest.yml": `Container:\n  Image: ${IMAGE}\n` },
    }));
    const units = unitsOf(desired);
    units.set("gitops-raw/b.network", "[Network]\njunk\n");
    const run = await validator().generate(units, []);
    assert.match(run.errors.get("b.network") ?? "", /“junk” which is not a key-value pair/);
    assert.equal(run.generated.has("gitops-raw/a.container"), false);
    const checked = checkGenerated(desired, run);
    const raw = checked.services.find((s) => s.name === "raw");
    assert.equal(raw?.status, "blocked");
    assert.match(raw?.problems[0]?.message ?? "", /^quadlet rejects gitops-raw\/b\.network: /);
    assert.equal(checked.services.find((s) => s.name === "ok")?.status, "ready");
  },
});

Deno.test({
  name: "parseDryRun() and parseQuadletErrors() read the real generator's output",
  ignore,
  async fn() {
    await withTempDir(async (dir) => {
      await Deno.mkdir(`${dir}/sub`);
      await Deno.writeTextFile(`${dir}/web.container`, `[Container]\nImage=${IMAGE}\n`);
      await Deno.writeTextFile(`${dir}/bad.container`, `[Container]\nImage=${IMAGE}\nFoo=1\n`);
      await Deno.writeTextFile(`${dir}/sub/x.volume`, "[Volume]\njunk\n");
      const out = await new Deno.Command(QUADLET_BIN ?? "", {
        args: ["-dryrun", "-no-kmsg-log", "-user"],
        env: { QUADLET_UNIT_DIRS: dir },
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      const stderr = new TextDecoder().decode(out.stderr);
      assert.deepEqual(parseDryRun(stdout).map((g) => g.name), ["web.service"]);
      assert.match(parseDryRun(stdout)[0]?.text ?? "", /^ExecStart=\/usr\/bin\/podman run /m);
      const errors = parseQuadletErrors(stderr);
      assert.deepEqual([...errors.keys()].sort(), [`${dir}/sub/x.volume`, "bad.container"].sort());
      assert.match(
        errors.get("bad.container") ?? "",
        /^unsupported key 'Foo' in group 'Container'$/,
      );
    });
  },
});
