/**
 * The sops TEST STAND-IN (tests/support/sops) keeps to the contract written in
 * lib/adapters/sops.ts: only the contract's argv, the key from the environment, exit codes
 * 0/128/25/51/1 with sops's stderr text in sops's order, the plaintext byte for byte on stdout;
 * and the exit codes it documents match the contract's.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ROOT, withTempDir } from "../integration/helpers.ts";
import { encryptForStandin, retypeForStandin, STANDIN_SOPS } from "./sops_standin.ts";

const KEY = "AGE-SECRET-KEY-1STANDIN0HOST0H1";
const OTHER_KEY = "AGE-SECRET-KEY-1STANDIN0SOMEONE0ELSE";

/** `encrypted` with its data swapped for another plaintext's, the MAC left as it was. */
function tamper(encrypted: string, plaintext: string): string {
  const other = encryptForStandin(plaintext, KEY, "dotenv");
  const data = (text: string) => /^sops_standin_data=.*$/m.exec(text)![0];
  return encrypted.replace(data(encrypted), data(other));
}

Deno.test("the sops stand-in refuses any argv but the contract's, exit 1 with a usage line", async () => {
  for (
    const args of [
      ["-d", "/dev/stdin"],
      ["--decrypt", "/dev/stdin"],
      ["--decrypt", "--input-type", "yaml", "--output-type", "dotenv", "/dev/stdin"],
      ["--decrypt", "--input-type", "json", "--output-type", "json", "/dev/stdin"],
      ["--decrypt", "--input-type", "yaml", "--output-type", "yaml", "secrets.yml"],
      ["--encrypt", "--input-type", "yaml", "--output-type", "yaml", "/dev/stdin"],
    ]
  ) {
    const r = await standin(args, "");
    assert.equal(r.code, 1, args.join(" "));
    assert.match(r.stderr, /^usage: sops --decrypt --input-type <yaml\|dotenv>/m);
    assert.equal(r.stdout, "");
  }
});

Deno.test("the sops stand-in decrypts with SOPS_AGE_KEY_FILE or SOPS_AGE_KEY, byte for byte", async () => {
  await withTempDir(async (dir) => {
    const plaintext = "A=1\nB=h\u00e9llo world\n\n";
    const file = encryptForStandin(plaintext, KEY, "dotenv");
    assert.ok(!file.includes("llo world"), "the stand-in's file holds no plaintext");
    await Deno.writeTextFile(`${dir}/key`, `# comment\n${KEY}\n`);
    const args = ["--decrypt", "--input-type", "dotenv", "--output-type", "dotenv", "/dev/stdin"];
    const viaFile = await standin(args, file, { SOPS_AGE_KEY_FILE: `${dir}/key` });
    assert.deepEqual(viaFile, { code: 0, stdout: plaintext, stderr: "" });
    const viaVar = await standin(args, file, { SOPS_AGE_KEY: `${OTHER_KEY}\n${KEY}` });
    assert.deepEqual(viaVar, { code: 0, stdout: plaintext, stderr: "" });
    const none = await standin(args, file, {});
    assert.equal(none.code, 128);
    assert.match(
      none.stderr,
      /^Failed to get the data key required to decrypt the SOPS file\.\n\nGroup 0: FAILED\n/,
    );
    const wrongType = await standin(
      ["--decrypt", "--input-type", "yaml", "--output-type", "yaml", "/dev/stdin"],
      file,
      { SOPS_AGE_KEY: KEY },
    );
    assert.equal(wrongType.code, 1, "a dotenv file given as yaml does not parse");
    const altered = await standin(args, tamper(file, "A=2\n"), { SOPS_AGE_KEY: KEY });
    assert.equal(altered.code, 51);
    assert.match(altered.stderr, /^MAC mismatch\. File has [0-9A-F]{64}, computed [0-9A-F]{64}$/m);
    const plain = await standin(args, "A=1\n", { SOPS_AGE_KEY: KEY });
    assert.deepEqual(plain, { code: 1, stdout: "", stderr: "sops metadata not found\n" });
    await Deno.writeTextFile(`${dir}/argv.log`, "");
    await standin(args, file, { SOPS_STANDIN_LOG: `${dir}/argv.log` });
    assert.equal(await Deno.readTextFile(`${dir}/argv.log`), `${args.join(" ")}\n`);
  });
});

Deno.test("the sops stand-in exits 25 quoting the plaintext for a retyped value, after the key, before the MAC", async () => {
  const dotenv = ["--decrypt", "--input-type", "dotenv", "--output-type", "dotenv", "/dev/stdin"];
  const yaml = ["--decrypt", "--input-type", "yaml", "--output-type", "yaml", "/dev/stdin"];
  const env = { SOPS_AGE_KEY: KEY };
  const envFile = encryptForStandin("# comment\nA=s3cr3t-25\nB=2\n", KEY, "dotenv");
  assert.deepEqual(await standin(dotenv, retypeForStandin(envFile, "int"), env), {
    code: 25,
    stdout: "",
    stderr: 'Error decrypting tree: strconv.Atoi: parsing "s3cr3t-25": invalid syntax\n',
  });
  const manifest = encryptForStandin("Container:\n  Environment:\n    - P=y4ml-25\n", KEY, "yaml");
  const retyped = await standin(yaml, retypeForStandin(manifest, "int"), env);
  assert.equal(retyped.code, 25);
  assert.equal(
    retyped.stderr,
    'Error decrypting tree: strconv.Atoi: parsing "P=y4ml-25": invalid syntax\n',
  );
  // the type tag is not what the MAC covers: retyping back to str decrypts again
  const back = retypeForStandin(retypeForStandin(envFile, "int"), "str");
  assert.equal((await standin(dotenv, back, env)).stdout, "# comment\nA=s3cr3t-25\nB=2\n");
  const digits = encryptForStandin("N=42\n", KEY, "dotenv");
  assert.equal((await standin(dotenv, retypeForStandin(digits, "int"), env)).code, 0);
  // sops's order: no key is 128 before any value is decrypted; values fail before the MAC
  const noKey = await standin(dotenv, retypeForStandin(envFile, "int"), {});
  assert.equal(noKey.code, 128);
  assert.ok(!noKey.stderr.includes("s3cr3t-25"));
  const both = retypeForStandin(tamper(envFile, "A=other\n"), "int");
  assert.equal((await standin(dotenv, both, env)).code, 25);
});

Deno.test("the stand-in's documented exit codes are the contract's in lib/adapters/sops.ts, and its own", async () => {
  const lib = await Deno.readTextFile(`${ROOT}/lib/adapters/sops.ts`);
  const header = lib.slice(0, lib.indexOf("*/")).split("\n").map((l) => l.replace(/^ \* ?/, ""))
    .join(" ").replace(/\s+/g, " ");
  const contract = [...header.matchAll(/\b(\d+) \(([A-Z][A-Za-z]+)\)/g)].map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  assert.deepEqual(contract, [1, 2, 25, 51, 52, 128], header);
  const script = await Deno.readTextFile(STANDIN_SOPS);
  const list = (label: string) =>
    new RegExp(`^#\\s+exit codes ${label}: ([\\d ]+)$`, "m").exec(script)![1]!.trim().split(" ")
      .map(Number).sort((a, b) => a - b);
  const produced = list("produced");
  const notProduced = list("not produced");
  assert.deepEqual([...produced, ...notProduced].sort((a, b) => a - b), [0, ...contract]);
  const exits = [...new Set([...script.matchAll(/\bexit (\d+)/g)].map((m) => Number(m[1])))];
  assert.deepEqual(
    [0, ...exits].sort((a, b) => a - b),
    produced,
    "the script exits with exactly the codes it documents",
  );
});

/** Runs the stand-in directly with `env` only (no inherited SOPS_* variables). */
async function standin(
  args: string[],
  stdin: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(STANDIN_SOPS, {
    args,
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", ...env },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin)).catch(() => {});
  await writer.close().catch(() => {});
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
