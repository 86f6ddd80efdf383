/**
 * Secrets (issue 5): what hoist refuses, through runCli with the sops TEST STAND-IN on PATH:
 * every way a sops file can fail to decrypt, and a manifest.sops.yml that holds anything but
 * Container.Environment values. The broken service keeps running as it was; the others deploy.
 * Messages name the file (and line, and key) but never a value, nor sops's stderr beyond exit 128
 * and "metadata not found" (sops's own text can quote plaintext).
 *
 * @module
 */
import assert from "node:assert/strict";
import { explainSopsFailure } from "../../lib/adapters/sops.ts";
import { type RepoFile, show, skipWithoutQuadlet, withTempDir } from "./helpers.ts";
import { encryptForStandin, retypeForStandin, sopsOnPath } from "../support/sops_standin.ts";
import {
  appliedHost,
  HOST,
  IMAGE,
  KEY,
  modeOf,
  OTHER_KEY,
  startedUnits,
  tamper,
  webSecrets,
} from "./secrets_host.ts";

const ignore = skipWithoutQuadlet();

/** One way for web not to deploy, and the errors hoist must give. */
interface Refusal {
  readonly name: string;
  /** Files of web/ committed (`null` deletes one). */
  readonly files: Readonly<Record<string, RepoFile | null>>;
  /** `[secrets] env` without the key file / without the stand-in on sops's PATH. */
  readonly key?: boolean;
  readonly sops?: boolean;
  /** The errors, in order: file (under web/), line, message and hint. */
  readonly errors: readonly { file: string; line?: number; message: RegExp; hint?: RegExp }[];
  /** Text that must not be shown (sops's own stderr). */
  readonly hidden?: readonly string[];
  readonly ignore?: boolean;
}

/** In every refused file: must never be shown, nor deployed. */
const VALUE = "s3cr3t-NEVER-DEPLOYED-4c8e";
const sopsYml = (plain: string) => ({ "manifest.sops.yml": encryptForStandin(plain, KEY, "yaml") });

const NO_KEY =
  /^sops found no key to decrypt this file: Failed to get the data key required to decrypt the SOPS file\.$/;
const KEY_HINT = /^Give hoist the key: \[secrets\] env = \{ SOPS_AGE_KEY_FILE = /;
const RUN_SOPS =
  /^Run `sops --decrypt` on it where the key is available to see why; hoist does not/;
const ONLY_ENV = /^manifest\.sops\.yml may only hold Container\.Environment values/;
const SOPS = "manifest.sops.yml";

const REFUSALS: readonly Refusal[] = [
  {
    name: "no key in the environment (exit 128)",
    files: sopsYml(webSecrets(VALUE)),
    key: false,
    errors: [{ file: SOPS, message: NO_KEY, hint: KEY_HINT }],
    hidden: ["Group 0", "Recovery failed"],
  },
  {
    name: "encrypted for another key (exit 128)",
    files: { [SOPS]: encryptForStandin(webSecrets(VALUE), OTHER_KEY, "yaml") },
    errors: [{ file: SOPS, message: NO_KEY, hint: KEY_HINT }],
  },
  {
    name: "altered after encryption (exit 51)",
    files: { [SOPS]: tamper(encryptForStandin(webSecrets(), KEY, "yaml"), webSecrets(VALUE)) },
    errors: [{
      file: SOPS,
      message:
        /^sops refused the file: its MAC does not match \(the file was altered after encryption\)$/,
      hint: /^Re-encrypt it with sops and commit again/,
    }],
    hidden: ["MAC mismatch", "computed"],
  },
  {
    name: "a value that does not decrypt, sops quoting it (exit 25)",
    files: { [SOPS]: retypeForStandin(encryptForStandin(webSecrets(VALUE), KEY, "yaml"), "int") },
    errors: [{
      file: SOPS,
      message: /^sops could not decrypt this file \(exit 25: a value does not decrypt\)$/,
      hint: RUN_SOPS,
    }],
    hidden: ["Error decrypting tree", "strconv"],
  },
  {
    name: "not encrypted at all (exit 1, metadata not found)",
    files: { [SOPS]: webSecrets(VALUE) },
    errors: [{
      file: SOPS,
      message: /^sops could not decrypt this file: sops metadata not found$/,
      hint: /^The file is not sops-encrypted: encrypt it with `sops --encrypt --in-place`/,
    }],
  },
  {
    name: "encrypted as dotenv (exit 1, another error)",
    files: { [SOPS]: encryptForStandin(webSecrets(VALUE), KEY, "dotenv") },
    errors: [{
      file: SOPS,
      message: /^sops could not decrypt this file \(exit 1\)$/,
      hint: RUN_SOPS,
    }],
    hidden: ["unmarshalling"],
  },
  {
    name: "sops missing from PATH",
    files: sopsYml(webSecrets(VALUE)),
    sops: false,
    errors: [{ file: SOPS, message: /^sops is not installed$/, hint: /^Install sops/ }],
    // a real sops on this machine would be found; the case needs PATH without one
    ignore: sopsOnPath() !== undefined,
  },
  {
    name: "keys other than Container.Environment (Label, Service.Environment, Image)",
    files: sopsYml(`Container:
  Environment:
    - DB_PASSWORD=${VALUE}
  Label:
    - app.token=${VALUE}
  Image: registry.example/${VALUE}:1
Service:
  Environment:
    - API_KEY=${VALUE}
`),
    errors: [
      {
        file: SOPS,
        line: 4,
        message: /^Container\.Label cannot be kept secret here$/,
        hint: ONLY_ENV,
      },
      {
        file: SOPS,
        line: 6,
        message: /^Container\.Image cannot be kept secret here$/,
        hint: ONLY_ENV,
      },
      {
        file: SOPS,
        line: 8,
        message: /^Service\.Environment cannot be kept secret here$/,
        hint: ONLY_ENV,
      },
    ],
  },
  {
    name: "an Environment value that is not NAME=value",
    files: sopsYml(`Container:\n  Environment:\n    - ${VALUE}\n`),
    errors: [{
      file: SOPS,
      line: 2,
      message: /^Container\.Environment values must be NAME=value$/,
    }],
  },
  {
    name: "a variable also set in manifest.yml",
    files: sopsYml(`Container:\n  Environment:\n    - MODE=${VALUE}\n`),
    errors: [{
      file: SOPS,
      message: /^MODE is set in both manifest\.yml and manifest\.sops\.yml$/,
      hint: /^Keep MODE in one of them$/,
    }],
  },
  {
    name: "decrypted YAML that does not parse",
    files: sopsYml(`Container:\n  Environment: [DB_PASSWORD=${VALUE}\n`),
    errors: [{ file: SOPS, line: 3, message: /^invalid YAML: / }],
  },
  {
    name: "no manifest.yml next to it",
    files: { ...sopsYml(webSecrets(VALUE)), "manifest.yml": null },
    errors: [{
      file: SOPS,
      message: /^manifest\.yml is missing next to manifest\.sops\.yml$/,
      hint: /^Put the unit in manifest\.yml/,
    }],
  },
  {
    name: "a manifest.yml without a Container section",
    files: { ...sopsYml(webSecrets(VALUE)), "manifest.yml": "Network:\n  Subnet: 10.9.0.0/24\n" },
    errors: [{
      file: SOPS,
      message: /^manifest\.sops\.yml adds environment values, but manifest\.yml has no Container$/,
    }],
  },
  {
    name: "a repository file named .manifest-secrets.env",
    files: { ...sopsYml(webSecrets(VALUE)), ".manifest-secrets.env": `X=${VALUE}\n` },
    errors: [{
      file: ".manifest-secrets.env",
      message: /^\.manifest-secrets\.env is reserved for manifest\.sops\.yml's values$/,
    }],
  },
];

for (const refusal of REFUSALS) {
  Deno.test({
    name:
      `web refused, ${refusal.name}: errors name file and fix, web keeps running, plain deploys`,
    ignore: ignore || refusal.ignore === true,
    async fn() {
      await withTempDir(async (dir) => {
        const h = await appliedHost(dir);
        const unitPath = `${h.quadletDir}/gitops-web.container`;
        const bytes = await Deno.readFile(unitPath);
        const container = h.fake.container("gitops-web.service");
        assert.ok(container);
        await h.repo.commit({
          ...Object.fromEntries(
            Object.entries(refusal.files).map(([path, file]) => [`${HOST}/web/${path}`, file]),
          ),
          [`${HOST}/plain/manifest.yml`]:
            `Container:\n  Image: ${IMAGE}\n  Exec: sleep infinity\n  Environment:\n    - VERSION=2\n`,
        });
        await h.configure({ key: refusal.key ?? true, sops: refusal.sops ?? true });
        const r = await h.run("apply", "--json");
        assert.equal(r.code, 1, show(r));
        const json = JSON.parse(r.out) as {
          problems: {
            level: string;
            file: string | null;
            line: number | null;
            message: string;
            hint?: string;
          }[];
        };
        const errors = json.problems.filter((p) => p.level === "error");
        assert.equal(errors.length, refusal.errors.length, JSON.stringify(errors, null, 2));
        for (const [i, want] of refusal.errors.entries()) {
          const got = errors[i]!;
          assert.equal(got.file, `${HOST}/web/${want.file}`);
          assert.equal(got.line, want.line ?? null, got.message);
          assert.match(got.message, want.message);
          if (want.hint) assert.match(got.hint ?? "", want.hint);
        }

        assert.deepEqual(await Deno.readFile(unitPath), bytes, "web's unit file is unchanged");
        assert.equal(await modeOf(unitPath), 0o644);
        assert.deepEqual(startedUnits(h), ["gitops-plain.service"], "only plain restarts");
        assert.deepEqual(h.fake.container("gitops-web.service"), container, "web keeps running");
        assert.match((await h.quadletFiles())["gitops-plain.container"]!, /VERSION=2/);

        const text = await h.run("plan");
        assert.equal(text.code, 1, show(text));
        const first = errors[0]!;
        const where = `${first.file}${first.line === null ? "" : `:${first.line}`}`;
        assert.ok(text.out.includes(`error: ${where}: ${first.message}\n`), show(text));
        assert.match(text.out, /Left unchanged because of the errors above: web\./);
        for (const out of [r.out, r.err, text.out, text.err]) {
          for (const hidden of [VALUE, ...(refusal.hidden ?? [])]) {
            assert.ok(!out.includes(hidden), `${hidden} is shown:\n${out}`);
          }
        }
      });
    },
  });
}

Deno.test("explainSopsFailure() repeats sops only for 128 (the key line) and metadata not found", () => {
  const plaintext = "s3cr3t-QUOTED-BY-SOPS";
  const digest = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";
  const cases: [number, string, RegExp][] = [
    [
      128,
      "Failed to get the data key required to decrypt the SOPS file.\n\nGroup 0: FAILED\n",
      /^sops found no key to decrypt this file: Failed to get the data key required to decrypt the SOPS file\.$/,
    ],
    [128, `${plaintext}\n`, /^sops found no key to decrypt this file: \(no key available\)$/],
    [128, "", /^sops found no key to decrypt this file: \(no key available\)$/],
    [51, `MAC mismatch. File has ${digest}, computed ${digest}\n`, /^sops refused the file: /],
    [52, `No MAC found: ${plaintext}\n`, /^sops refused the file: its MAC does not match/],
    [
      25,
      `Error decrypting tree: strconv.Atoi: parsing "${plaintext}": invalid syntax\n`,
      /^sops could not decrypt this file \(exit 25: a value does not decrypt\)$/,
    ],
    [2, `Error reading file: ${plaintext}\n`, /^sops could not decrypt this file \(exit 2\)$/],
    [1, "sops metadata not found\n", /^sops could not decrypt this file: sops metadata not found$/],
    [
      1,
      `Error unmarshalling input yaml: ${plaintext}\n`,
      /^sops could not decrypt this file \(exit 1\)$/,
    ],
    [
      1,
      `${plaintext} metadata not found\n`,
      /^sops could not decrypt this file: sops metadata not found$/,
    ],
    [24, `Error decrypting MAC: ${plaintext}\n`, /^sops could not decrypt this file \(exit 24\)$/],
    [137, "", /^sops could not decrypt this file \(exit 137\)$/],
  ];
  for (const [code, stderr, message] of cases) {
    const r = explainSopsFailure(code, stderr);
    assert.match(r.message, message, `exit ${code}`);
    assert.ok(r.hint.length > 0);
    for (const secret of [plaintext, digest]) {
      assert.ok(!`${r.message}\n${r.hint}`.includes(secret), `exit ${code}: ${r.message}`);
    }
  }
});
