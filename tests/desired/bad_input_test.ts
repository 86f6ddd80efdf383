/**
 * The repository is untrusted: every class of bad input names the file (and line where there is
 * one), leaves the service without units, and does not block the other services.
 */
import assert from "node:assert/strict";
import { MAX_FILE_BYTES, MAX_TEXT_BYTES } from "../../lib/desired/repo_files.ts";
import {
  assertBlocked,
  type FakeEntry,
  HOST,
  hostFiles,
  onlyError,
  read,
  readOne,
  ready,
  service,
  unit,
} from "./helpers.ts";
import { PURE } from "../support/pure.ts";

const GOOD = "Container:\n  Image: docker.io/library/caddy:2\n";

interface ServiceCase {
  /** Completes "readDesired() blocks a service …". */
  readonly name: string;
  /** Files of service `x`, relative to its folder. */
  readonly files: Record<string, FakeEntry>;
  /** Expected problem file, relative to the host folder. */
  readonly file: string;
  /** Expected line; undefined when the problem has none (symlinks, sizes, encodings). */
  readonly line: number | undefined;
  readonly message: RegExp;
}

const SERVICE_CASES: readonly ServiceCase[] = [
  {
    name: "whose manifest is malformed YAML",
    files: { "manifest.yml": "Container:\n  Image: a\n  Volume: b: c\n" },
    file: "x/manifest.yml",
    line: 3,
    message: /^invalid YAML: /,
  },
  {
    name: "whose manifest indents with a tab",
    files: { "manifest.yml": "Container:\n  Image: a\n\tExec: sleep\n" },
    file: "x/manifest.yml",
    line: 3,
    message: /^invalid YAML: Tabs are not allowed as indentation/,
  },
  {
    name: "whose manifest repeats a key",
    files: { "manifest.yml": "Container:\n  Image: a\n  Image: b\n" },
    file: "x/manifest.yml",
    line: 3,
    message: /^invalid YAML: Map keys must be unique/,
  },
  {
    name: "whose manifest gives Image as a list of 2",
    files: { "manifest.yml": "Container:\n  Image: [docker.io/a, docker.io/b]\n" },
    file: "x/manifest.yml",
    line: 2,
    message: /^Container\.Image must be one value, got a list of 2$/,
  },
  {
    name: "whose manifest gives Image as a block list of 2",
    files: { "manifest.yml": "Container:\n  Image:\n    - docker.io/a\n    - docker.io/b\n" },
    file: "x/manifest.yml",
    line: 3,
    message: /^Container\.Image must be one value, got a list of 2$/,
  },
  {
    name: "whose manifest has a map where a string is expected",
    files: { "manifest.yml": "Container:\n  Image: a\n  Volume:\n    - {from: /a, to: /b}\n" },
    file: "x/manifest.yml",
    line: 4,
    message: /^Container\.Volume values must be strings, got a map$/,
  },
  {
    name: "whose manifest has an empty value",
    files: { "manifest.yml": "Container:\n  Image: a\n  Exec:\n" },
    file: "x/manifest.yml",
    line: 3,
    message: /^Container\.Exec values must be strings, got null$/,
  },
  {
    name: "whose manifest section is a string instead of a map",
    files: { "manifest.yml": "Container: docker.io/library/caddy\n" },
    file: "x/manifest.yml",
    line: 1,
    message: /^Container must be a map of keys, got a string$/,
  },
  {
    name: "whose manifest is a list instead of a map",
    files: { "manifest.yml": "- Container\n- Image\n" },
    file: "x/manifest.yml",
    line: 1,
    message: /^a manifest must be a map of quadlet sections, got a list of 2$/,
  },
  {
    name: "whose manifest has an unknown section",
    files: { "manifest.yml": "Container:\n  Image: a\nContainr:\n  Image: b\n" },
    file: "x/manifest.yml",
    line: 3,
    message: /^unknown section "Containr"$/,
  },
  {
    name: "whose manifest has two unit kinds",
    files: { "manifest.yml": "Container:\n  Image: a\nPod:\n  PodName: p\n" },
    file: "x/manifest.yml",
    line: 3,
    message: /^a manifest may have only one of Container, Pod$/,
  },
  {
    name: "whose manifest has no unit kind",
    files: { "manifest.yml": "Unit:\n  Description: x\n" },
    file: "x/manifest.yml",
    line: 1,
    message: /^a manifest needs one of the sections Container, /,
  },
  {
    name: "whose manifest has an empty list",
    files: { "manifest.yml": "Container:\n  Image: a\n  Volume: []\n" },
    file: "x/manifest.yml",
    line: 3,
    message: /^Container\.Volume is an empty list$/,
  },
  {
    name: "whose manifest value has a newline (block scalar)",
    files: { "manifest.yml": "Container:\n  Image: a\n  Exec: |\n    sleep 1\n    rm -rf /\n" },
    file: "x/manifest.yml",
    line: 3,
    message: /^Container\.Exec: value contains a line break$/,
  },
  {
    name: "whose manifest value has a newline (escaped)",
    files: {
      "manifest.yml": 'Container:\n  Image: a\n  Environment:\n    - "A=1\\n[Service]"\n',
    },
    file: "x/manifest.yml",
    line: 4,
    message: /^Container\.Environment: value contains a line break$/,
  },
  {
    name: "whose manifest value has a control character",
    files: { "manifest.yml": 'Container:\n  Image: a\n  Exec: "echo \\e[31m"\n' },
    file: "x/manifest.yml",
    line: 3,
    message: /^Container\.Exec: value contains a control character$/,
  },
  {
    name: "whose manifest value ends with a backslash",
    files: { "manifest.yml": "Container:\n  Image: a\n  Exec: 'sleep \\'\n" },
    file: "x/manifest.yml",
    line: 3,
    message: /^Container\.Exec: value ends with a backslash/,
  },
  {
    name: "whose manifest key has a newline",
    files: { "manifest.yml": 'Container:\n  Image: a\n  "Exec\\nExecStartPre": x\n' },
    file: "x/manifest.yml",
    line: 3,
    message: /^Container: invalid key "Exec\\nExecStartPre"$/,
  },
  {
    name: "whose manifest key is not a plain name",
    files: { "manifest.yml": "Container:\n  Image: a\n  Image=b: c\n" },
    file: "x/manifest.yml",
    line: 3,
    message: /^Container: invalid key "Image=b"$/,
  },
  {
    name: "whose manifest key is not a string",
    files: { "manifest.yml": "Container:\n  Image: a\n  ? [Exec]\n  : b\n" },
    file: "x/manifest.yml",
    line: 3,
    message: /^Container: keys must be option names, got a list of 1/,
  },
  {
    name: "whose manifest references ${SERVICE_DIR}/../ outside the folder",
    files: {
      "manifest.yml": "Container:\n  Image: a\n  Volume: ${SERVICE_DIR}/../ok/manifest.yml:/m\n",
    },
    file: "x/manifest.yml",
    line: 3,
    message: /^\$\{SERVICE_DIR\}\/\.\.\/ok\/manifest\.yml leaves the service folder$/,
  },
  {
    name: "whose manifest references ${HOST_DIR}/../ outside the host copy",
    files: {
      "manifest.yml": "Container:\n  Image: a\n  EnvironmentFile: ${HOST_DIR}/../../etc/shadow\n",
    },
    file: "x/manifest.yml",
    line: 3,
    message: /^\$\{HOST_DIR\}\/\.\.\/\.\.\/etc\/shadow leaves the service folder$/,
  },
  {
    name: "whose raw quadlet file references ${SERVICE_DIR}/../",
    files: { "app.container": "[Container]\nImage=a\nVolume=${SERVICE_DIR}/a/../../x:/x\n" },
    file: "x/app.container",
    line: 3,
    message: / leaves the service folder$/,
  },
  {
    name: "whose manifest references a ${SERVICE_DIR} file that does not exist",
    files: { "manifest.yml": "Container:\n  Image: a\n  Volume: ${SERVICE_DIR}/Caddyfile:/c\n" },
    file: "x/manifest.yml",
    line: 3,
    message: /^\$\{SERVICE_DIR\}\/Caddyfile is not a file of gitops\/hostname_a\/x\/$/,
  },
  {
    name: "with a symlink to an absolute path",
    files: { "manifest.yml": GOOD, "passwd": { symlink: "/etc/passwd" } },
    file: "x/passwd",
    line: undefined,
    message: /^symlink points outside the repository \(\/etc\/passwd\)$/,
  },
  {
    name: "with a symlink climbing out of the repository",
    files: { "manifest.yml": GOOD, "passwd": { symlink: "../../../../etc/passwd" } },
    file: "x/passwd",
    line: undefined,
    message: /^symlink points outside the repository \(\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd\)$/,
  },
  {
    name: "with a ../../.. symlink that lands at the repository root",
    files: { "manifest.yml": GOOD, "passwd": { symlink: "../../../etc/passwd" } },
    file: "x/passwd",
    line: undefined,
    message: /^symlink points outside gitops\/hostname_a\/x\/ \(\.\.\/\.\.\/\.\.\/etc\/passwd\)$/,
  },
  {
    name: "with a symlink into another service's folder",
    files: { "manifest.yml": GOOD, "stolen.yml": { symlink: "../ok/manifest.yml" } },
    file: "x/stolen.yml",
    line: undefined,
    message: /^symlink points outside gitops\/hostname_a\/x\/ \(\.\.\/ok\/manifest\.yml\)$/,
  },
  {
    name: "whose manifest is a symlink outside the repository",
    files: { "manifest.yml": { symlink: "/etc/containers/systemd/evil.container" } },
    file: "x/manifest.yml",
    line: undefined,
    message: /^symlink points outside the repository/,
  },
  {
    name: "whose raw quadlet file is a symlink outside the service folder",
    files: { "app.container": { symlink: "../ok/manifest.yml" } },
    file: "x/app.container",
    line: undefined,
    message: /^symlink points outside gitops\/hostname_a\/x\//,
  },
  {
    name: "with a dangling symlink",
    files: { "manifest.yml": GOOD, "conf": { symlink: "missing" } },
    file: "x/conf",
    line: undefined,
    message: /^symlink target gitops\/hostname_a\/x\/missing does not exist$/,
  },
  {
    name: "with a symlink loop",
    files: { "manifest.yml": GOOD, "loop": { symlink: "./loop" } },
    file: "x/loop",
    line: undefined,
    message: /^too many levels of symlinks$/,
  },
  {
    name: "with a symlink to a folder",
    files: { "manifest.yml": GOOD, "sub/file": "f\n", "link": { symlink: "sub" } },
    file: "x/link",
    line: undefined,
    message: /^symlinks to folders are not supported$/,
  },
  {
    name: "with an absurdly large file the reader refused",
    files: { "manifest.yml": GOOD, "dump.sql": { tooLarge: 10 * MAX_FILE_BYTES } },
    file: "x/dump.sql",
    line: undefined,
    message: new RegExp(`^file is too large \\(${10 * MAX_FILE_BYTES} bytes; the limit is `),
  },
  {
    name: "whose manifest is larger than MAX_TEXT_BYTES",
    files: { "manifest.yml": GOOD + "# padding\n".repeat(MAX_TEXT_BYTES / 10 + 1) },
    file: "x/manifest.yml",
    line: undefined,
    message: new RegExp(
      `^file is too large to parse \\(\\d+ bytes; the limit is ${MAX_TEXT_BYTES}\\)$`,
    ),
  },
  {
    name: "whose manifest is the too-large entry",
    files: { "manifest.yml": { tooLarge: MAX_FILE_BYTES + 1 } },
    file: "x/manifest.yml",
    line: undefined,
    message: /^file is too large \(/,
  },
  {
    name: "whose manifest sets the reserved label gitops-hash",
    files: { "manifest.yml": "Container:\n  Image: a\n  Label: [app=x, gitops-hash=0000]\n" },
    file: "x/manifest.yml",
    line: 3,
    message: /^labels gitops-service and gitops-hash are set by hoist$/,
  },
  {
    name: "whose manifest sets the reserved label gitops-service in quotes",
    files: { "manifest.yml": "Container:\n  Image: a\n  Label: '\"gitops-service=ok\"'\n" },
    file: "x/manifest.yml",
    line: 3,
    message: /^labels gitops-service and gitops-hash are set by hoist$/,
  },
  {
    name: "whose raw quadlet file sets the reserved label gitops-service",
    files: { "app.container": "[Container]\nImage=a\nLabel=gitops-service=ok\n" },
    file: "x/app.container",
    line: 3,
    message: /^labels gitops-service and gitops-hash are set by hoist$/,
  },
  {
    name: "whose manifest is not UTF-8",
    files: { "manifest.yml": new Uint8Array([0x43, 0x6f, 0x6e, 0xff, 0xfe, 0x0a]) },
    file: "x/manifest.yml",
    line: undefined,
    message: /^file is not UTF-8 text$/,
  },
  {
    name: "whose raw quadlet file contains a NUL byte",
    files: { "app.container": "[Container]\nImage=a\0\n" },
    file: "x/app.container",
    line: undefined,
    message: /^file is not UTF-8 text$/,
  },
  {
    name: "whose raw quadlet file name is not plain",
    files: { "app@.container": "[Container]\nImage=a\n" },
    file: "x/app@.container",
    line: undefined,
    message: /^unit file name "app@\.container" is not a plain name$/,
  },
  {
    name: "whose raw quadlet file lacks its own section",
    files: { "app.container": "[Unit]\nDescription=x\n" },
    file: "x/app.container",
    line: undefined,
    message: /^a \.container file needs a \[Container\] section$/,
  },
  // units that mean something else to the generator (docs/quadlet_parsing.md)
  {
    name: "whose raw quadlet file continues a line after a backslash and trailing spaces",
    files: { "app.container": "[Container]\nImage=a\nServiceName=gitops-innocent\\  \nsshd\n" },
    file: "x/app.container",
    line: 3,
    message: /^line ends with a backslash \(a line continuation; hoist does not accept them\)$/,
  },
  {
    name: "whose raw quadlet file continues a header into a comment-skipping continuation",
    files: {
      "app.container":
        "[Unit]\nDescription=web \\\t\n# c\n[Container]\nImage=a\n[Container]\nImage=a\n",
    },
    file: "x/app.container",
    line: 2,
    message: /^line ends with a backslash/,
  },
  {
    name: "whose raw quadlet file has a line quadlet rejects (which drops the whole folder)",
    files: { "app.container": "[Container]\nImage=a\njunk\n" },
    file: "x/app.container",
    line: 3,
    message: /^"junk" is not a \[Section\] header, Key=value or comment$/,
  },
  {
    name: "whose manifest value ends with a backslash before trailing NBSP",
    files: { "manifest.yml": "Container:\n  Image: a\n  Exec: 'sleep \\\u00a0'\n" },
    file: "x/manifest.yml",
    line: 3,
    message: /^Container\.Exec: value ends with a backslash/,
  },
  // reserved labels in other spellings
  {
    name: "whose raw quadlet file sets gitops-hash through a %i specifier",
    files: { "app.container": "[Container]\nImage=a\nLabel=gitops-hash%i=forged\n" },
    file: "x/app.container",
    line: 3,
    message: /^labels gitops-service and gitops-hash are set by hoist$/,
  },
  {
    name: "whose manifest sets a label key from an environment variable",
    files: { "manifest.yml": "Container:\n  Image: a\n  Label: ${K}=forged\n" },
    file: "x/manifest.yml",
    line: 3,
    message: /^labels gitops-service and gitops-hash are set by hoist$/,
  },
  {
    name: "whose manifest resets hoist's labels with an empty Label",
    files: { "manifest.yml": "Container:\n  Image: a\n  Label: ['', app=x]\n" },
    file: "x/manifest.yml",
    line: 3,
    message: /^labels gitops-service and gitops-hash are set by hoist$/,
  },
  {
    name: "whose manifest sets another gitops-* label",
    files: { "manifest.yml": "Container:\n  Image: a\n  Label: gitops-owner=me\n" },
    file: "x/manifest.yml",
    line: 3,
    message: /^labels gitops-service and gitops-hash are set by hoist$/,
  },
  {
    name: "whose PodmanArgs chain short flags before -l",
    files: { "manifest.yml": "Container:\n  Image: a\n  PodmanArgs: -il gitops-hash=forged\n" },
    file: "x/manifest.yml",
    line: 3,
    message: /^labels gitops-service and gitops-hash are set by hoist$/,
  },
  {
    name: "whose raw PodmanArgs read labels from a file",
    files: { "app.container": "[Container]\nImage=a\nPodmanArgs=--label-file /tmp/l\n" },
    file: "x/app.container",
    line: 3,
    message: /^labels gitops-service and gitops-hash are set by hoist$/,
  },
  {
    name: "whose PodmanArgs spell --label with a C escape",
    files: { "app.container": "[Container]\nImage=a\nPodmanArgs=--l\\x61bel=gitops-hash=1\n" },
    file: "x/app.container",
    line: 3,
    message: /^labels gitops-service and gitops-hash are set by hoist$/,
  },
  {
    name: "whose manifest uses GlobalArgs",
    files: { "manifest.yml": "Container:\n  Image: a\n  GlobalArgs: create -l gitops-hash=x\n" },
    file: "x/manifest.yml",
    line: 3,
    message: /^GlobalArgs= is not supported/,
  },
  {
    name: "whose Image starts like an option",
    files: { "manifest.yml": "Container:\n  Image: --label=gitops-hash=x\n  Exec: alpine\n" },
    file: "x/manifest.yml",
    line: 2,
    message: /^Image=--label=gitops-hash=x starts with "-", which podman reads as an option$/,
  },
  {
    name: "whose Exec has a lone ; (systemd would run a second command)",
    files: { "app.container": '[Container]\nImage=a\nExec=sleep 1 ";" /usr/bin/touch /tmp/x\n' },
    file: "x/app.container",
    line: 3,
    message: /^Exec= has a lone ";"/,
  },
  {
    name: "whose raw unit gives itself another name with Alias=",
    files: { "app.container": "[Container]\nImage=a\n[Install]\nAlias=sshd.service\n" },
    file: "x/app.container",
    line: 4,
    message: /^Alias= is not supported/,
  },
  // unit and object names
  {
    name: "whose manifest ServiceName climbs out of the generator's folder",
    files: {
      "manifest.yml": "Container:\n  Image: a\n  ServiceName: ../../../etc/systemd/system/evil\n",
    },
    file: "x/manifest.yml",
    line: 3,
    message: /^ServiceName="\.\.\/\.\.\/\.\.\/etc\/systemd\/system\/evil" is not a plain name$/,
  },
  {
    name: "whose raw ServiceName is quoted (quadlet strips the quotes)",
    files: { "app.container": '[Container]\nImage=a\nServiceName="web"\n' },
    file: "x/app.container",
    line: 3,
    message: /^ServiceName="\\"web\\"" is not a plain name$/,
  },
  {
    name: "whose raw ServiceName is empty (quadlet would generate .service)",
    files: { "app.container": "[Container]\nImage=a\nServiceName=\n" },
    file: "x/app.container",
    line: 3,
    message: /^ServiceName="" is not a plain name$/,
  },
  {
    name: "whose ServiceName ends in .service",
    files: { "manifest.yml": "Container:\n  Image: a\n  ServiceName: web.service\n" },
    file: "x/manifest.yml",
    line: 3,
    message: /^ServiceName=web\.service would name web\.service\.service/,
  },
  {
    name: "whose ServiceName is longer than systemd's unit-name limit",
    files: { "manifest.yml": `Container:\n  Image: a\n  ServiceName: ${"a".repeat(248)}\n` },
    file: "x/manifest.yml",
    line: 3,
    message: /^ServiceName=a+ is longer than systemd allows for a unit name$/,
  },
  {
    name: "whose raw file name makes a unit name longer than systemd's limit",
    files: { [`${"n".repeat(240)}.network`]: "[Network]\n" },
    file: `x/${"n".repeat(240)}.network`,
    line: undefined,
    message: /^n+-network\.service is longer than systemd's 255 bytes for a unit name$/,
  },
  {
    name: "whose ContainerName has a slash",
    files: { "manifest.yml": "Container:\n  Image: a\n  ContainerName: a/b\n" },
    file: "x/manifest.yml",
    line: 3,
    message: /^ContainerName="a\/b" is not a plain name$/,
  },
  {
    name: "whose raw NetworkName starts like an option",
    files: { "net.network": "[Network]\nNetworkName=--label=gitops-hash=x\n" },
    file: "x/net.network",
    line: 2,
    message: /^NetworkName="--label=gitops-hash=x" is not a plain name$/,
  },
  {
    name: "whose VolumeName has a space",
    files: { "manifest.yml": "Volume:\n  VolumeName: a b\n" },
    file: "x/manifest.yml",
    line: 2,
    message: /^VolumeName="a b" is not a plain name$/,
  },
  {
    name: "whose PodName has an @",
    files: { "p.pod": "[Pod]\nPodName=a@b\n" },
    file: "x/p.pod",
    line: 2,
    message: /^PodName="a@b" is not a plain name$/,
  },
  {
    name: "whose two units create the same container name (quadlet's --replace removes one)",
    files: {
      "a.container": "[Container]\nImage=a\nContainerName=db\n",
      "b.container": "[Container]\nImage=a\nContainerName=db\n",
    },
    file: "x/b.container",
    line: undefined,
    message: /^container:db is also produced by gitops\/hostname_a\/x\/a\.container$/,
  },
  {
    name: "whose network's NetworkName is another network's default name",
    files: {
      "a.network": "[Network]\n",
      "b.network": "[Network]\nNetworkName=systemd-a\n",
    },
    file: "x/b.network",
    line: undefined,
    message: /^network:systemd-a is also produced by gitops\/hostname_a\/x\/a\.network$/,
  },
  {
    name: "with an encrypted manifest that was not decrypted (offline validate)",
    files: { "manifest.yml": GOOD, "manifest.sops.yml": "Container:\n  Secret: ENC[x]\n" },
    file: "x/manifest.sops.yml",
    line: undefined,
    message: /^this encrypted manifest was not decrypted$/,
  },
  {
    name: "whose folder has neither manifest nor quadlet files",
    files: { "README.md": "nothing here\n" },
    file: "config.yml",
    line: 3,
    message: /^gitops\/hostname_a\/x\/ has no manifest\.yml, no compose file and no quadlet files$/,
  },
];

for (const c of SERVICE_CASES) {
  const where = c.line === undefined ? c.file : `${c.file}:${c.line}`;
  Deno.test({
    name: `readDesired() blocks a service ${c.name}, naming ${where}`,
    permissions: PURE,
    fn() {
      const files: Record<string, FakeEntry> = { "ok/manifest.yml": GOOD };
      for (const [path, entry] of Object.entries(c.files)) files[`x/${path}`] = entry;
      const desired = read(hostFiles(["ok", "x"], files));

      const x = service(desired, "x");
      assertBlocked(x);
      const p = onlyError(x.problems);
      assert.match(p.message, c.message);
      assert.equal(p.file, `${HOST}/${c.file}`);
      assert.equal(p.line, c.line);
      assert.equal(p.service, "x");
      assert.ok(p.hint === undefined || p.hint.length > 0);

      assert.deepEqual(desired.problems, [], "a bad service is not a host-level problem");
      const ok = service(desired, "ok");
      assert.deepEqual(ok.problems, [], "the other service is not blocked");
      assert.equal(unit(ok, "gitops-ok.container").type, "container");
    },
  });
}

Deno.test({
  name: "readDesired() blocks a service listed in config.yml whose folder is missing",
  permissions: PURE,
  fn() {
    const desired = read(hostFiles(["ok", "ghost"], { "ok/manifest.yml": GOOD }));
    const ghost = service(desired, "ghost");
    assertBlocked(ghost);
    const p = onlyError(ghost.problems);
    assert.equal(p.message, `service ghost is listed but ${HOST}/ghost/ does not exist`);
    assert.equal(p.file, `${HOST}/config.yml`);
    assert.equal(p.line, 3);
    assert.equal(ready(desired, "ok").units.length, 1);
  },
});

Deno.test({
  name: "readDesired() reports every problem of a service, not only the first",
  permissions: PURE,
  fn() {
    const x = readOne("x", {
      "manifest.yml": "Container:\n  Image: [a, b]\nContainr: {}\n",
      "passwd": { symlink: "/etc/passwd" },
      "app.container": "[Container]\nLabel=gitops-hash=1\n",
    });
    assertBlocked(x);
    assert.deepEqual(
      x.problems.map((p) => [p.file?.slice(HOST.length + 1), p.line]),
      [["x/app.container", 2], ["x/manifest.yml", 2], ["x/manifest.yml", 3], [
        "x/passwd",
        undefined,
      ]],
    );
  },
});

interface HostCase {
  /** Completes "readDesired() blocks the whole host …". */
  readonly name: string;
  readonly config: string | Uint8Array;
  readonly line: number | undefined;
  readonly message: RegExp;
}

// config.yml is the host's own file: an error there blocks the whole apply (desired.problems),
// and no service is read at all, so nothing of a half-understood config is deployed.
const HOST_CASES: readonly HostCase[] = [
  {
    name: "when config.yml is malformed YAML",
    config: "services:\n  ok: {}\n  bad: {\n",
    line: 4,
    message: /^invalid YAML: /,
  },
  {
    name: "when config.yml has an unknown key",
    config: "services:\n  ok: {}\nservics:\n  x: {}\n",
    line: 3,
    message: /^unknown key "servics"$/,
  },
  {
    name: 'when a service name climbs out ("../x")',
    config: "services:\n  ok: {}\n  ../x: {}\n",
    line: 3,
    message: /^invalid service name "\.\.\/x"$/,
  },
  {
    name: 'when a service name has a space ("a b")',
    config: "services:\n  ok: {}\n  a b: {}\n",
    line: 3,
    message: /^invalid service name "a b"$/,
  },
  {
    name: 'when a service name is ".."',
    config: "services:\n  ok: {}\n  '..': {}\n",
    line: 3,
    message: /^invalid service name "\.\."$/,
  },
  {
    name: "when a service name has a newline",
    config: 'services:\n  ok: {}\n  "a\\nb": {}\n',
    line: 3,
    message: /^invalid service name "a\\nb"$/,
  },
  {
    name: "when a service has settings in config.yml",
    config: "services:\n  ok:\n    image: caddy\n",
    line: 3,
    message: /^services\.ok: unknown settings "image"$/,
  },
  {
    name: "when services is a list",
    config: "services:\n  - ok\n",
    line: 2,
    message: /^services must be a map of service names, got a list of 1$/,
  },
  {
    name: "when pre has no script",
    config: "pre:\n  run: mkdir /x\nservices:\n  ok: {}\n",
    line: 2,
    message: /^pre must be a map with one string "script", got key "run"$/,
  },
  {
    name: "when post.script is a list",
    config: "post:\n  script: [a, b]\nservices:\n  ok: {}\n",
    line: 2,
    message: /^post must be a map with one string "script", got a list of 2$/,
  },
  {
    name: "when config.yml is a list",
    config: "- ok\n",
    line: 1,
    message: /^config\.yml must be a map, got a list of 1$/,
  },
  {
    name: "when config.yml is not UTF-8",
    config: new Uint8Array([0x73, 0x65, 0xff, 0x0a]),
    line: undefined,
    message: /^file is not UTF-8 text$/,
  },
  {
    name: "when config.yml is larger than MAX_TEXT_BYTES",
    config: "services:\n  ok: {}\n" + "#".repeat(MAX_TEXT_BYTES),
    line: undefined,
    message: /^file is too large to parse/,
  },
];

for (const c of HOST_CASES) {
  Deno.test({
    name: `readDesired() blocks the whole host ${c.name}, naming config.yml` +
      (c.line === undefined ? "" : `:${c.line}`),
    permissions: PURE,
    fn() {
      const desired = read({
        [`${HOST}/config.yml`]: c.config,
        [`${HOST}/ok/manifest.yml`]: GOOD,
      });
      assert.deepEqual(desired.services, []);
      const p = onlyError(desired.problems);
      assert.match(p.message, c.message);
      assert.equal(p.file, `${HOST}/config.yml`);
      assert.equal(p.line, c.line);
    },
  });
}

Deno.test({
  name: "readDesired() blocks the whole host when config.yml is a symlink outside the repository",
  permissions: PURE,
  fn() {
    const desired = read({
      [`${HOST}/config.yml`]: { symlink: "/etc/hoist/config.yml" },
      [`${HOST}/ok/manifest.yml`]: GOOD,
    });
    assert.deepEqual(desired.services, []);
    const p = onlyError(desired.problems);
    assert.equal(p.file, `${HOST}/config.yml`);
    assert.match(p.message, /^symlink points outside the repository/);
  },
});

Deno.test({
  name: "readDesired() blocks the whole host when config.yml is missing",
  permissions: PURE,
  fn() {
    const desired = read({ [`${HOST}/ok/manifest.yml`]: GOOD });
    assert.deepEqual(desired.services, []);
    const p = onlyError(desired.problems);
    assert.equal(p.file, `${HOST}/config.yml`);
    assert.equal(p.message, `${HOST}/config.yml does not exist`);
  },
});

Deno.test({
  name: "readDesired() reports a missing host folder with a hint listing the hosts",
  permissions: PURE,
  fn() {
    const desired = read({
      "gitops/hostname_b/config.yml": "services: {}\n",
      "gitops/hostname_c/config.yml": "services: {}\n",
      "other/hostname_d/config.yml": "services: {}\n",
    });
    assert.deepEqual(desired.services, []);
    const p = onlyError(desired.problems);
    assert.equal(p.message, "no folder gitops/hostname_a/ for host hostname_a at rev1");
    assert.equal(
      p.hint,
      'Hosts in the repository: hostname_b, hostname_c; set host = "..." in the config',
    );
  },
});

Deno.test({
  name: "readDesired() suggests checking [source] path when no host folder exists at all",
  permissions: PURE,
  fn() {
    const p = onlyError(read({ "README.md": "hi\n" }).problems);
    assert.match(p.message, /^no folder gitops\/hostname_a\//);
    assert.match(p.hint ?? "", /check \[source\] path/);
  },
});

Deno.test({
  name:
    "readDesired() reports a host-folder symlink leaving the host folder but still reads services",
  permissions: PURE,
  fn() {
    const desired = read(hostFiles(["ok"], {
      "ok/manifest.yml": GOOD,
      "shared.env": { symlink: "../../../etc/passwd" },
    }));
    const p = onlyError(desired.problems);
    assert.equal(p.file, `${HOST}/shared.env`);
    assert.match(p.message, /^symlink points outside/);
    assert.equal(ready(desired, "ok").units.length, 1);
  },
});

Deno.test({
  name: "readDesired() refuses gitops-hash set as a second label on one Label= line",
  permissions: PURE,
  fn() {
    for (const value of ["app=x gitops-hash=1", 'app=x "gitops-service=other"']) {
      const x = readOne("x", { "manifest.yml": `Container:\n  Image: a\n  Label: '${value}'\n` });
      assertBlocked(x);
      const p = onlyError(x.problems);
      assert.equal(p.line, 3);
      assert.match(p.message, /^labels gitops-service and gitops-hash are set by hoist$/);
    }
  },
});
