import assert from "node:assert/strict";
import { hostRefusal } from "../../lib/desired/proxy_urls.ts";

Deno.test({
  name:
    "hostRefusal() takes DNS names and Caddy's leading wildcard, and nothing with Caddyfile syntax",
  permissions: "none",
  fn() {
    const ok = ["app.example.org", "localhost", "*.example.org", "xn--bcher-kva.example", "a-b.c0"];
    for (const host of ok) assert.equal(hostRefusal(host), undefined, host);
    const bad = [
      "",
      "*",
      "*.",
      "a..b",
      "-a.example.org",
      "a-.example.org",
      "app.example.org {",
      "app.example.org\nrespond 200",
      "app.example.org:443",
      "https://app.example.org",
      "app.example.org/path",
      "a b.example.org",
      '"quoted".example.org',
      "app.example.org#x",
      "*.*.example.org",
      "bücher.example",
      `${"a".repeat(64)}.example.org`,
      `${"abcdefgh.".repeat(28)}org`,
    ];
    for (const host of bad) assert.match(hostRefusal(host) ?? "", /is not a DNS name/, host);
  },
});
