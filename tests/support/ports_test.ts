/**
 * reservePort(): test servers' ports never collide between parallel test files, nor with ports
 * the kernel hands to port-0 binds.
 *
 * @module
 */
import assert from "node:assert/strict";
import { RESERVATIONS, RESERVED_FROM, reservePort } from "./ports.ts";

Deno.test("reservePort() hands out distinct, free ports below the ephemeral range, until released", async () => {
  const low = Number(
    Deno.readTextFileSync("/proc/sys/net/ipv4/ip_local_port_range").trim().split(/\s+/)[0],
  );
  const held = await Promise.all(Array.from({ length: 40 }, () => reservePort()));
  try {
    const ports = held.map((r) => r.port);
    assert.equal(new Set(ports).size, ports.length, `duplicates in ${ports.join(" ")}`);
    for (const p of ports) {
      assert.ok(p >= RESERVED_FROM && p < low, `${p} outside ${RESERVED_FROM}-${low}`);
    }
    // a port reserved here is free: a server can bind it
    const l = Deno.listen({ hostname: "127.0.0.1", port: held[0]!.port });
    l.close();
  } finally {
    await Promise.all(held.map((r) => r.release()));
  }
});

Deno.test("reservePort() takes over a reservation whose process is gone, and skips a live one or a busy port", async () => {
  // three ports that are ours, so no other test's reservation is touched
  const [a, b, c] = [await reservePort(), await reservePort(), await reservePort()];
  const [p, q, r] = [a.port, b.port, c.port];
  await Deno.writeTextFile(`${RESERVATIONS}/${p}`, "2147483646\n"); // as if its process were gone
  const busy = Deno.listen({ hostname: "127.0.0.1", port: r }); // listening, but not reserved:
  await c.release(); // as a server outside the tests would be
  try {
    const stale = await reservePort([p]);
    assert.equal(stale.port, p, "a dead owner's reservation is taken over");
    assert.equal((await Deno.readTextFile(`${RESERVATIONS}/${p}`)).trim(), String(Deno.pid));
    await assert.rejects(
      () => reservePort([q, r]),
      /no free port/,
      "live reservation and busy port skipped",
    );
    assert.equal((await Deno.readTextFile(`${RESERVATIONS}/${q}`)).trim(), String(Deno.pid));
    await assert.rejects(
      () => Deno.stat(`${RESERVATIONS}/${r}`),
      "the busy port's claim is given back",
    );
    await stale.release();
    await assert.rejects(
      () => Deno.stat(`${RESERVATIONS}/${p}`),
      "release removes the reservation",
    );
  } finally {
    busy.close();
    await b.release();
    await a.release();
  }
});
