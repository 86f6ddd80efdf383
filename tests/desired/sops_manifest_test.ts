/**
 * manifest.sops.yml and encrypted env files, pure: decrypted text is handed to readDesired.
 */
import assert from "node:assert/strict";
import { maskSensitive, SECRET_ENV_FILE, type SecretInputs } from "../../lib/desired/secrets.ts";
import {
  asReady,
  assertBlocked,
  HOST,
  hostFiles,
  onlyError,
  read,
  ready,
  service,
} from "./helpers.ts";
import { PURE } from "../support/pure.ts";

const MANIFEST = "Container:\n  Image: docker.io/library/postgres:16\n  Environment: [TZ=UTC]\n";

function secretsFor(files: Record<string, string>, key = "k1"): SecretInputs {
  return {
    decrypted: new Map(
      Object.entries(files).map(([p, text]) => [`${HOST}/${p}`, { ok: true, text }]),
    ),
    vars: new Map(),
    key,
  };
}

function readDb(sops: string, key = "k1") {
  const files = hostFiles(["db"], { "db/manifest.yml": MANIFEST, "db/manifest.sops.yml": "ENC" });
  return service(read(files, { secrets: secretsFor({ "db/manifest.sops.yml": sops }, key) }), "db");
}

Deno.test({
  name:
    "readDesired() keeps manifest.sops.yml's values out of the unit: a 0600 env file and EnvironmentFile=",
  permissions: PURE,
  fn() {
    const db = asReady(readDb("Container:\n  Environment:\n    - POSTGRES_PASSWORD=hunter2\n"));
    const unit = db.units[0]!.content;
    assert.doesNotMatch(unit, /hunter2/);
    assert.match(
      unit,
      new RegExp(
        `^EnvironmentFile=/var/lib/hoist/services/db/${db.hash}/\\${SECRET_ENV_FILE}$`,
        "m",
      ),
    );
    const file = db.files.find((f) => f.path === SECRET_ENV_FILE)!;
    assert.equal(new TextDecoder().decode(file.data), "POSTGRES_PASSWORD=hunter2\n");
    assert.equal(file.secret, true);
    assert.deepEqual(db.secretNames, ["POSTGRES_PASSWORD"]);
    assert.ok(db.inputs["manifest.sops.yml"], "the reason names the encrypted manifest");
  },
});

Deno.test({
  name:
    "readDesired() refuses any manifest.sops.yml key but Container.Environment, naming key and line",
  permissions: PURE,
  fn() {
    const db = readDb("Container:\n  Environment: [A=1]\n  Image: secret.example/private:1\n");
    assertBlocked(db);
    const p = onlyError(db.problems);
    assert.equal(p.message, "Container.Image cannot be kept secret here");
    assert.equal(p.file, `${HOST}/db/manifest.sops.yml`);
    assert.equal(p.line, 3);
    assert.doesNotMatch(JSON.stringify(db.problems), /private/);
  },
});

Deno.test({
  name: "readDesired() refuses a variable set in both manifest.yml and manifest.sops.yml",
  permissions: PURE,
  fn() {
    const db = readDb("Container:\n  Environment: [TZ=Europe/Paris]\n");
    assertBlocked(db);
    assert.match(
      onlyError(db.problems).message,
      /^TZ is set in both manifest\.yml and manifest\.sops\.yml$/,
    );
  },
});

Deno.test({
  name:
    "readDesired() keys secret digests with the host key: the hash and inputs change with the key",
  permissions: PURE,
  fn() {
    const a = asReady(readDb("Container:\n  Environment: [P=x]\n", "key-a"));
    const b = asReady(readDb("Container:\n  Environment: [P=x]\n", "key-b"));
    assert.notEqual(a.hash, b.hash);
    assert.notEqual(a.inputs["manifest.sops.yml"], b.inputs["manifest.sops.yml"]);
    const rotated = asReady(readDb("Container:\n  Environment: [P=y]\n", "key-a"));
    assert.notEqual(rotated.hash, a.hash, "rotating a secret changes the hash");
  },
});

Deno.test({
  name: "readDesired() names a decryption failure and blocks only that service",
  permissions: PURE,
  fn() {
    const files = hostFiles(["db", "web"], {
      "db/manifest.yml": MANIFEST,
      "db/manifest.sops.yml": "ENC",
      "web/manifest.yml": "Container:\n  Image: a\n",
    });
    const secrets: SecretInputs = {
      decrypted: new Map([[`${HOST}/db/manifest.sops.yml`, {
        ok: false,
        message: "sops found no key",
        hint: "give it one",
      }]]),
      vars: new Map(),
    };
    const desired = read(files, { secrets });
    assertBlocked(service(desired, "db"));
    assert.equal(onlyError(service(desired, "db").problems).file, `${HOST}/db/manifest.sops.yml`);
    assert.equal(ready(desired, "web").units.length, 1);
  },
});

Deno.test({
  name: "maskSensitive() hides the values of the named variables only, or all with 'all'",
  permissions: PURE,
  fn() {
    const unit =
      '[Container]\nEnvironment=DB_PASSWORD=s3 TZ=UTC\nEnvironment="API_KEY=a b"\nImage=x\n';
    assert.equal(
      maskSensitive(unit, ["DB_PASSWORD", "API_KEY"]),
      '[Container]\nEnvironment=DB_PASSWORD=(sensitive) TZ=UTC\nEnvironment="API_KEY=(sensitive)"\nImage=x\n',
    );
    assert.equal(maskSensitive(unit, []), unit);
    assert.doesNotMatch(maskSensitive(unit, "all"), /s3|UTC|a b/);
  },
});
