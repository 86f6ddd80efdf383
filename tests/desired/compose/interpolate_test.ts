import assert from "node:assert/strict";
import { parseDotenv } from "../../../lib/desired/compose/dotenv.ts";
import { interpolate } from "../../../lib/desired/compose/interpolate.ts";
import { formatProblem } from "../../../lib/errors.ts";

const VARS: Record<string, string> = { SET: "v", EMPTY: "" };
const lookup = (n: string) => VARS[n];

Deno.test({
  name: "interpolate() knows every form of the compose specification",
  permissions: "none",
  fn() {
    const cases: [string, string, string[]?][] = [
      ["$SET", "v"],
      ["${SET}", "v"],
      ["a${SET}b$SET.c", "avbv.c"],
      ["${UNSET:-d}", "d"],
      ["${EMPTY:-d}", "d"],
      ["${EMPTY-d}", ""],
      ["${UNSET-d}", "d"],
      ["${SET:-d}", "v"],
      ["${SET:+alt}", "alt"],
      ["${EMPTY:+alt}", ""],
      ["${EMPTY+alt}", "alt"],
      ["${UNSET+alt}", ""],
      ["${SET:?msg}", "v"],
      ["${EMPTY?msg}", ""],
      ["$$SET $${SET}", "$SET ${SET}"],
      ["${UNSET:-${SET}x}", "vx"],
      ["${UNSET:-a}:${UNSET2:-b}", "a:b"],
      ["cost: 5$ or $", "cost: 5$ or $"],
      ["${UNSET}-$UNSET2", "-", ["UNSET", "UNSET2"]],
    ];
    for (const [text, value, unset = []] of cases) {
      assert.deepEqual(interpolate(text, lookup), { ok: true, value, unset }, text);
    }
  },
});

Deno.test({
  name: "interpolate() fails on a required variable and on broken syntax, naming the variable",
  permissions: "none",
  fn() {
    const cases: [string, string, string?][] = [
      ["${UNSET:?set it}", "required variable UNSET is not set: set it", "UNSET"],
      ["${EMPTY:?}", "required variable EMPTY is not set", "EMPTY"],
      ["${UNSET?}", "required variable UNSET is not set", "UNSET"],
      ["${SET", "unclosed ${ in an interpolation"],
      ["${1X}", "invalid interpolation ${1X}: expected a variable name"],
      ["${SET!x}", "invalid interpolation ${SET!x}", "SET"],
    ];
    for (const [text, message, variable] of cases) {
      assert.deepEqual(
        interpolate(text, lookup),
        { ok: false, message, ...(variable ? { variable } : {}) },
        text,
      );
    }
  },
});

Deno.test({
  name: "parseDotenv() reads compose's .env: comments, export, quotes, escapes, earlier variables",
  permissions: "none",
  fn() {
    const text = [
      "# comment",
      "",
      "A=1",
      "export B = two # trailing comment",
      "C='single ${A} kept'",
      'D="double\\n${A}"',
      "E=${A}${OUTER}",
      "F=",
      'G="quoted # not a comment"',
    ].join("\n");
    const { vars, problems } = parseDotenv(text, "p/.env", (n) => n === "OUTER" ? "o" : undefined);
    assert.deepEqual(problems, []);
    assert.deepEqual(Object.fromEntries(vars), {
      A: "1",
      B: "two",
      C: "single ${A} kept",
      D: "double\n1",
      E: "1o",
      F: "",
      G: "quoted # not a comment",
    });
  },
});

Deno.test({
  name: "parseDotenv() names the line of what it cannot read, never the value",
  permissions: "none",
  fn() {
    const { problems } = parseDotenv(
      'OK=1\nnot an assignment secret\nQ="open\n',
      "p/.env",
      () => undefined,
    );
    assert.deepEqual(problems.map((p) => formatProblem(p).split("\n")[0]), [
      "error: p/.env:2: not a NAME=value line",
      "error: p/.env:3: Q: unclosed double quote",
    ]);
  },
});
