/**
 * `hoist remote`'s arguments: both forms, defaults, refusals, and the exit code of an answer: pure.
 */
import assert from "node:assert/strict";
import { exitFor, parseTarget, requestFor } from "../../lib/remote/remote_target.ts";

Deno.test({
  name: "parseTarget() reads the positional and the pgo form to the same target",
  permissions: "none",
  fn() {
    const cases: [string[], string][] = [
      [["pi.example.org", "web", "ps"], "https://pi.example.org:9321 web ps"],
      [["pi.example.org:web//ps"], "https://pi.example.org:9321 web ps"],
      [["pi.example.org:9400:web//restart"], "https://pi.example.org:9400 web restart"],
      [["127.0.0.1:9400", "web", "logs"], "http://127.0.0.1:9400 web logs"],
      [["localhost:db.main//stop"], "http://localhost:9321 db.main stop"],
      [["[::1]:9401:web//ping"], "http://[::1]:9401 web ping"],
      [["http://pi:8080:web//start"], "http://pi:8080 web start"],
      [["https://127.0.0.1:9321", "plan"], "https://127.0.0.1:9321 - plan"],
      [["pi", "ping"], "https://pi:9321 - ping"],
    ];
    for (const [args, want] of cases) {
      const t = parseTarget(args);
      assert.equal(`${t.base} ${t.service ?? "-"} ${t.op}`, want, args.join(" "));
    }
  },
});

Deno.test({
  name: "parseTarget() refuses unknown operations, bad names and ops without their target",
  permissions: "none",
  fn() {
    const cases: [string[], RegExp][] = [
      [["pi:web//exec"], /unknown operation "exec"/],
      [["pi//ps"], /is not HOST\[:PORT\]:SERVICE\/\/OP/],
      [["https://pi//ps"], /is not HOST/],
      [["pi", "ps"], /ps needs a service/],
      [["pi", "web", "apply"], /apply is host-wide/],
      [["pi", "../etc", "ps"], /not a service name/],
      [["pi:99999", "web", "ps"], /not a server address/],
      [["pi;rm", "web", "ps"], /not a server address/],
      [[], /takes 1 to 3 arguments/],
    ];
    for (const [args, want] of cases) assert.throws(() => parseTarget(args), want, args.join(" "));
  },
});

Deno.test({
  name: "requestFor() gives the method and URL; exitFor() maps 2xx, 401/403 and the rest",
  permissions: "none",
  fn() {
    const logs = requestFor(parseTarget(["pi:web//logs"]), { tail: 50, since: "15m" });
    assert.equal(logs.method, "GET");
    assert.equal(logs.url.href, "https://pi:9321/api/v1/services/web/logs?tail=50&since=15m");
    const apply = requestFor(parseTarget(["pi", "apply"]));
    assert.equal(`${apply.method} ${apply.url.pathname}`, "POST /api/v1/apply");
    const codes = [200, 202, 400, 401, 403, 404, 409, 501, 502, 503].map(exitFor);
    assert.deepEqual(codes, [0, 0, 1, 3, 3, 1, 1, 1, 1, 1]);
  },
});
