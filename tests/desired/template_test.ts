import assert from "node:assert/strict";
import {
  applyTemplate,
  escapingReferences,
  serviceDirReferences,
  usesHostDir,
} from "../../lib/desired/template.ts";
import { PURE } from "../support/pure.ts";

const VALUES = { SERVICE_DIR: "/s/web/h1", HOST_DIR: "/s/host/h0", SERVICE: "web", HASH: "h1" };

Deno.test({
  name: "applyTemplate() fills hoist's four placeholders and leaves every other ${…} to systemd",
  permissions: PURE,
  fn() {
    assert.equal(
      applyTemplate(
        "${SERVICE_DIR}/a ${HOST_DIR}/b ${SERVICE}-${HASH} ${OTHER} ${PATH} $SERVICE ${service} ${SERVICE_DIR",
        VALUES,
      ),
      "/s/web/h1/a /s/host/h0/b web-h1 ${OTHER} ${PATH} $SERVICE ${service} ${SERVICE_DIR",
    );
  },
});

Deno.test({
  name: "applyTemplate() does not expand placeholders that appear inside substituted values",
  permissions: PURE,
  fn() {
    assert.equal(
      applyTemplate("${SERVICE}", { ...VALUES, SERVICE: "${HASH}" }),
      "${HASH}",
    );
  },
});

Deno.test({
  name: "usesHostDir() is true only for the exact ${HOST_DIR} placeholder",
  permissions: PURE,
  fn() {
    assert.equal(usesHostDir("EnvironmentFile=${HOST_DIR}/env"), true);
    assert.equal(usesHostDir("EnvironmentFile=$HOST_DIR/env ${HOST_DIRS}"), false);
  },
});

Deno.test({
  name: "escapingReferences() finds ${SERVICE_DIR} and ${HOST_DIR} paths that climb with ..",
  permissions: PURE,
  fn() {
    assert.deepEqual(
      escapingReferences(
        "Volume=${SERVICE_DIR}/../x:/x\nA=${HOST_DIR}/a/../../b\nB=${SERVICE_DIR}/ok..name:/y\n" +
          "C=${SERVICE_DIR}/conf/a.txt\nD=${SERVICE_DIR}/..\n",
      ),
      ["${SERVICE_DIR}/../x", "${HOST_DIR}/a/../../b", "${SERVICE_DIR}/.."],
    );
  },
});

Deno.test({
  name:
    "serviceDirReferences() lists relative paths after ${SERVICE_DIR}/, stopping at : , ; quotes",
  permissions: PURE,
  fn() {
    assert.deepEqual(
      serviceDirReferences(
        'Volume=${SERVICE_DIR}/Caddyfile:/etc/caddy/Caddyfile:z\nExec=cat "${SERVICE_DIR}/conf/"\n' +
          "A=${SERVICE_DIR}/${SERVICE}.conf\nB=${SERVICE_DIR}\nC=${HOST_DIR}/x\n",
      ),
      ["Caddyfile", "conf"],
    );
  },
});
