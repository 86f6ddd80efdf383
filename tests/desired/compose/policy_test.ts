import assert from "node:assert/strict";
import { type ComposePolicy, OPEN_POLICY } from "../../../lib/config/compose_config.ts";
import { PURE } from "../../support/pure.ts";
import { convert, messages } from "./helpers.ts";

const web = (body: string) => `services:\n  web:\n    image: docker.io/library/busybox:1\n${body}`;

/** name, policy over the open one, compose text, the errors expected (file:line and message). */
const CASES: [string, Partial<ComposePolicy>, string, string[]][] = [
  [
    "privileged: true under privileged = false",
    { privileged: false },
    web("    privileged: true\n"),
    [
      "error: p/compose.yaml:4: services.web.privileged: privileged: true is refused by [compose.policy] privileged = false",
    ],
  ],
  [
    "network_mode: host under network_mode_host = false",
    { networkModeHost: false },
    web("    network_mode: host\n"),
    [
      "error: p/compose.yaml:4: services.web.network_mode: network_mode: host is refused by [compose.policy] network_mode_host = false",
    ],
  ],
  [
    "ipc: host and pid: host",
    { ipcHost: false, pidHost: false },
    web("    ipc: host\n    pid: host\n"),
    [
      "error: p/compose.yaml:4: services.web.ipc: ipc: host is refused by [compose.policy] ipc_host = false",
      "error: p/compose.yaml:5: services.web.pid: pid: host is refused by [compose.policy] pid_host = false",
    ],
  ],
  [
    "cap_add on the deny list, in any spelling",
    { capAdd: ["ALL", "SYS_ADMIN"] },
    web("    cap_add: [NET_ADMIN, cap_sys_admin, ALL]\n"),
    [
      "error: p/compose.yaml:4: services.web.cap_add[1]: cap_add cap_sys_admin is refused by [compose.policy] cap_add",
      "error: p/compose.yaml:4: services.web.cap_add[2]: cap_add ALL is refused by [compose.policy] cap_add",
    ],
  ],
  ["devices under devices = false", { devices: false }, web("    devices: [/dev/fuse]\n"), [
    "error: p/compose.yaml:4: services.web.devices: devices is refused by [compose.policy] devices = false",
  ]],
  [
    "bind sources outside bind_roots, short and long, with .. tricks",
    { bindRoots: ["/srv", "/var/mnt"] },
    web(
      "    volumes:\n      - /srv/web:/a\n      - /srv/../etc:/b\n      - /srvx:/c\n      - ./conf:/d\n      - type: bind\n        source: /etc/ssl\n        target: /e\n",
    ),
    [
      "error: p/compose.yaml:6: services.web.volumes[1]: bind source /etc is outside [compose.policy] bind_roots (/srv, /var/mnt)",
      "error: p/compose.yaml:7: services.web.volumes[2]: bind source /srvx is outside [compose.policy] bind_roots (/srv, /var/mnt)",
      "error: p/compose.yaml:9: services.web.volumes[4]: bind source /etc/ssl is outside [compose.policy] bind_roots (/srv, /var/mnt)",
    ],
  ],
  [
    "named, anonymous and long-syntax volumes under bind_only",
    { bindOnly: true },
    web(
      "    volumes:\n      - data:/a\n      - /anon\n      - /srv/x:/b\n      - type: volume\n        source: data\n        target: /c\nvolumes:\n  data:\n",
    ),
    [
      "error: p/compose.yaml:5: services.web.volumes[0]: a volume is refused by [compose.policy] bind_only = true",
      "error: p/compose.yaml:6: services.web.volumes[1]: a volume is refused by [compose.policy] bind_only = true",
      "error: p/compose.yaml:8: services.web.volumes[3]: a volume is refused by [compose.policy] bind_only = true",
    ],
  ],
  [
    "an external network not in external_networks",
    { externalNetworks: ["reverseproxy"] },
    web(
      "    networks: [proxy, edge, own]\nnetworks:\n  proxy:\n    external: true\n    name: reverseproxy\n  edge:\n    external: true\n  own: {}\n",
    ),
    [
      'error: p/compose.yaml:9: networks.edge: external network "edge" is refused by [compose.policy] external_networks (reverseproxy)',
    ],
  ],
];

for (const [name, policy, text, expected] of CASES) {
  Deno.test({
    name:
      `[compose.policy] refuses ${name}, naming line and policy key, and the project writes no unit`,
    permissions: PURE,
    fn() {
      const read = convert(text, { policy: { ...OPEN_POLICY, ...policy } });
      assert.deepEqual(messages(read), expected);
      assert.equal(read.value, undefined);
      const open = convert(text, { policy: OPEN_POLICY });
      assert.deepEqual(
        messages(open).filter((m) => m.startsWith("error")),
        [],
        "allowed by default",
      );
      assert.ok(open.value);
    },
  });
}
