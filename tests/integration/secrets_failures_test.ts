/**
 * Secrets (issue 5): every way a sops file can fail to decrypt, through runCli with the sops TEST
 * STAND-IN on PATH. The broken service keeps running as it was; the others deploy.
 *
 * @module
 */
import assert from "node:assert/strict";
import { show, skipWithoutQuadlet, withTempDir } from "./helpers.ts";
import { encryptForStandin, sopsOnPath } from "../support/sops_standin.ts";
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

/** One way for web/manifest.sops.yml not to decrypt, and what hoist must say about it. */
interface DecryptFailure {
  readonly name: string;
  /** The new manifest.sops.yml committed. */
  readonly file: string;
  /** `[secrets] env` without the key file / without the stand-in on sops's PATH. */
  readonly key?: boolean;
  readonly sops?: boolean;
  readonly message: RegExp;
  readonly hint: RegExp;
  readonly ignore?: boolean;
}

const ROTATED_FOR_FAILURE = "s3cr3t-NEVER-DEPLOYED-4c8e";

const NO_KEY =
  /^sops found no key to decrypt this file: Failed to get the data key required to decrypt the SOPS file\.$/;
const KEY_HINT = /^Give hoist the key: \[secrets\] env = \{ SOPS_AGE_KEY_FILE = /;

const FAILURES: readonly DecryptFailure[] = [
  {
    name: "no key in the environment (exit 128)",
    file: encryptForStandin(webSecrets(ROTATED_FOR_FAILURE), KEY, "yaml"),
    key: false,
    message: NO_KEY,
    hint: KEY_HINT,
  },
  {
    name: "encrypted for another key (exit 128)",
    file: encryptForStandin(webSecrets(ROTATED_FOR_FAILURE), OTHER_KEY, "yaml"),
    message: NO_KEY,
    hint: KEY_HINT,
  },
  {
    name: "altered after encryption (exit 51)",
    file: tamper(
      encryptForStandin(webSecrets(), KEY, "yaml"),
      webSecrets(ROTATED_FOR_FAILURE),
    ),
    message: /^sops refused the file: its MAC does not match \(MAC mismatch\. /,
    hint: /^The encrypted file was altered after encryption; re-encrypt it with sops/,
  },
  {
    name: "not encrypted at all (exit 1)",
    file: webSecrets(ROTATED_FOR_FAILURE),
    message: /^sops could not decrypt this file \(exit 1\): sops metadata not found$/,
    hint: /^The file is not sops-encrypted: encrypt it with `sops --encrypt --in-place`/,
  },
  {
    name: "sops missing from PATH",
    file: encryptForStandin(webSecrets(ROTATED_FOR_FAILURE), KEY, "yaml"),
    sops: false,
    message: /^sops is not installed$/,
    hint: /^Install sops/,
    // a real sops on this machine would be found; the case needs PATH without one
    ignore: sopsOnPath() !== undefined,
  },
];

for (const failure of FAILURES) {
  Deno.test({
    name:
      `web/manifest.sops.yml ${failure.name}: an error naming the file and the fix, web keeps running, plain deploys`,
    ignore: ignore || failure.ignore === true,
    async fn() {
      await withTempDir(async (dir) => {
        const h = await appliedHost(dir);
        const unitPath = `${h.quadletDir}/gitops-web.container`;
        const bytes = await Deno.readFile(unitPath);
        const container = h.fake.container("gitops-web.service");
        assert.ok(container);
        await h.repo.commit({
          [`${HOST}/web/manifest.sops.yml`]: failure.file,
          [`${HOST}/plain/manifest.yml`]: `Container:
  Image: ${IMAGE}
  Exec: sleep infinity
  Environment:
    - VERSION=2
`,
        });
        await h.configure({ key: failure.key ?? true, sops: failure.sops ?? true });
        const r = await h.run("apply", "--json");
        assert.equal(r.code, 1, show(r));
        const json = JSON.parse(r.out) as {
          problems: { level: string; file: string | null; message: string; hint?: string }[];
        };
        const errors = json.problems.filter((p) => p.level === "error");
        assert.equal(errors.length, 1, JSON.stringify(errors, null, 2));
        const [error] = errors;
        assert.equal(error!.file, `${HOST}/web/manifest.sops.yml`);
        assert.match(error!.message, failure.message);
        assert.match(error!.hint ?? "", failure.hint);

        assert.deepEqual(await Deno.readFile(unitPath), bytes, "web's unit file is unchanged");
        assert.equal(await modeOf(unitPath), 0o600);
        assert.deepEqual(startedUnits(h), ["gitops-plain.service"], "only plain restarts");
        assert.deepEqual(h.fake.container("gitops-web.service"), container, "web keeps running");
        assert.match((await h.quadletFiles())["gitops-plain.container"]!, /VERSION=2/);

        const text = await h.run("plan");
        assert.equal(text.code, 1, show(text));
        assert.ok(
          text.out.includes(`error: ${HOST}/web/manifest.sops.yml: ${error!.message}\n`),
          show(text),
        );
        assert.match(text.out, /Left unchanged because of the errors above: web\./);
        for (const out of [r.out, r.err, text.out, text.err]) {
          assert.ok(!out.includes(ROTATED_FOR_FAILURE), "the undeployed value is not shown");
        }
      });
    },
  });
}
