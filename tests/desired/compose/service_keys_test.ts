import assert from "node:assert/strict";
import { PURE } from "../../support/pure.ts";
import { webLines } from "./helpers.ts";

/** [what, YAML under services.web (4-space indent), section, exact lines of that section]. */
type Case = [string, string, string, string[]];

const CONTAINER: Case[] = [
  ["command as a string is split like a shell", `    command: sh -c 'echo "a b"'\n`, "Container", [
    `Exec=sh -c "echo \\"a b\\""`,
  ]],
  ["command as a list keeps each word", `    command: ["server", "--port", "80"]\n`, "Container", [
    "Exec=server --port 80",
  ]],
  ["entrypoint of one word", `    entrypoint: /init\n`, "Container", ["Entrypoint=/init"]],
  ["entrypoint of several words is podman's JSON list", `    entrypoint: [sh, -c]\n`, "Container", [
    `Entrypoint=["sh","-c"]`,
  ]],
  ["environment as a map", `    environment:\n      A: 1\n      B: "x y"\n`, "Container", [
    "Environment=A=1",
    `Environment="B=x y"`,
  ]],
  ["environment as a list", `    environment:\n      - A=1\n      - TOTP="true"\n`, "Container", [
    "Environment=A=1",
    `Environment="TOTP=\\"true\\""`,
  ]],
  [
    "$ and % in values are literal for systemd",
    `    environment:\n      A: "$$HOME 100%"\n`,
    "Container",
    [
      `Environment="A=$$HOME 100%%"`,
    ],
  ],
  [
    "env_file short, list and long syntax",
    `    env_file:\n      - a.env\n      - path: ./b.env\n        required: false\n`,
    "Container",
    [
      "EnvironmentFile=/srv/p/a.env",
      "EnvironmentFile=/srv/p/b.env",
    ],
  ],
  [
    "ports in short syntax: host IP, ranges, protocol, IPv6",
    `    ports:\n      - 80\n      - "8080:80"\n      - "127.0.0.1:5000-5001:5000-5001/udp"\n      - "[::1]:53:53/udp"\n      - "127.0.0.1::9000"\n`,
    "Container",
    [
      "PublishPort=80",
      "PublishPort=8080:80",
      "PublishPort=127.0.0.1:5000-5001:5000-5001/udp",
      "PublishPort=[::1]:53:53/udp",
      "PublishPort=127.0.0.1::9000",
    ],
  ],
  [
    "ports in long syntax",
    `    ports:\n      - target: 80\n        published: "8080"\n        host_ip: 127.0.0.1\n        protocol: tcp\n        mode: host\n`,
    "Container",
    [
      "PublishPort=127.0.0.1:8080:80/tcp",
    ],
  ],
  ["expose", `    expose: ["3000", "8000-8001/udp"]\n`, "Container", [
    "ExposeHostPort=3000",
    "ExposeHostPort=8000-8001/udp",
  ]],
  [
    "volumes: absolute and relative binds, named, anonymous, options",
    `    volumes:\n      - /data:/data:ro,z\n      - ./conf:/etc/conf:Z\n      - cache:/cache\n      - /scratch\nvolumes:\n  cache: {}\n`,
    "Container",
    [
      "Volume=/data:/data:ro,z",
      "Volume=/srv/p/conf:/etc/conf:Z",
      "Volume=gitops-p_cache.volume:/cache",
      "Volume=/scratch",
    ],
  ],
  [
    "volumes in long syntax: bind, volume, tmpfs",
    `    volumes:\n      - type: bind\n        source: /srv/x\n        target: /x\n        read_only: true\n        bind: {propagation: rshared, selinux: z}\n      - type: volume\n        source: db\n        target: /db\n        volume: {nocopy: true}\n      - type: tmpfs\n        target: /t\n        tmpfs: {size: 64m, mode: 1777}\nvolumes:\n  db:\n`,
    "Container",
    [
      "Volume=/srv/x:/x:ro,rshared,z",
      "Volume=gitops-p_db.volume:/db:nocopy",
      "Tmpfs=/t:size=64m,mode=1777",
    ],
  ],
  [
    "an external volume is named, not a unit",
    `    volumes: ["shared:/s"]\nvolumes:\n  shared:\n    external: true\n`,
    "Container",
    [
      "Volume=shared:/s",
    ],
  ],
  ["tmpfs", `    tmpfs: [/run, "/tmp:size=10m"]\n`, "Container", [
    "Tmpfs=/run",
    "Tmpfs=/tmp:size=10m",
  ]],
  [
    "networks as a list join with the service name as alias",
    `    networks: [front, back]\nnetworks:\n  front:\n  back:\n`,
    "Container",
    [
      "Network=gitops-p_front.network:alias=web",
      "Network=gitops-p_back.network:alias=web",
    ],
  ],
  [
    "networks with aliases and addresses",
    `    networks:\n      front:\n        aliases: [www]\n        ipv4_address: 10.5.0.2\n        ipv6_address: fd00::2\nnetworks:\n  front:\n`,
    "Container",
    [
      "Network=gitops-p_front.network:alias=web,alias=www,ip=10.5.0.2,ip6=fd00::2",
    ],
  ],
  [
    "an external network is joined by its name",
    `    networks: [proxy]\nnetworks:\n  proxy:\n    external: true\n`,
    "Container",
    [
      "Network=proxy:alias=web",
    ],
  ],
  ["network_mode host", `    network_mode: host\n`, "Container", ["Network=host"]],
  ["network_mode none", `    network_mode: none\n`, "Container", ["Network=none"]],
  ["network_mode container:", `    network_mode: container:vpn\n`, "Container", [
    "Network=container:vpn",
  ]],
  [
    "healthcheck, string test",
    `    healthcheck:\n      test: curl -f http://localhost || exit 1\n      interval: 30s\n      timeout: 5s\n      retries: 3\n      start_period: 1m30s\n`,
    "Container",
    [
      "HealthCmd=curl -f http://localhost || exit 1",
      "HealthInterval=30s",
      "HealthTimeout=5s",
      "HealthRetries=3",
      "HealthStartPeriod=1m30s",
    ],
  ],
  [
    "healthcheck CMD list is podman's JSON list",
    `    healthcheck:\n      test: ["CMD", "./healthcheck.sh"]\n`,
    "Container",
    [
      `HealthCmd=["./healthcheck.sh"]`,
    ],
  ],
  [
    "healthcheck CMD-SHELL keeps $$ literal",
    `    healthcheck:\n      test: ["CMD-SHELL", "pg_isready -d $\${DB}"]\n`,
    "Container",
    [
      "HealthCmd=pg_isready -d $${DB}",
    ],
  ],
  [
    "healthcheck start_interval is a startup check",
    `    healthcheck:\n      test: ["CMD-SHELL", "true"]\n      start_interval: 2s\n`,
    "Container",
    [
      "HealthCmd=true",
      "HealthStartupCmd=true",
      "HealthStartupInterval=2s",
    ],
  ],
  ["healthcheck disable", `    healthcheck:\n      disable: true\n`, "Container", [
    "HealthCmd=none",
  ]],
  ["healthcheck NONE", `    healthcheck:\n      test: [NONE]\n`, "Container", ["HealthCmd=none"]],
  [
    "user, working_dir, hostname",
    `    user: "1000:1000"\n    working_dir: /app\n    hostname: web1\n`,
    "Container",
    [
      "User=1000:1000",
      "WorkingDir=/app",
      "HostName=web1",
    ],
  ],
  [
    "labels and annotations",
    `    labels:\n      com.example.a: "x y"\n    annotations: ["run.oci.keep=1"]\n`,
    "Container",
    [
      `Label="com.example.a=x y"`,
      "Annotation=run.oci.keep=1",
    ],
  ],
  ["capabilities", `    cap_add: [NET_ADMIN]\n    cap_drop: [ALL]\n`, "Container", [
    "AddCapability=NET_ADMIN",
    "DropCapability=ALL",
  ]],
  [
    "devices, short and long",
    `    devices:\n      - /dev/fuse\n      - "/dev/sda:/dev/xvda:rwm"\n      - source: /dev/kvm\n        target: /dev/kvm\n`,
    "Container",
    [
      "AddDevice=/dev/fuse",
      "AddDevice=/dev/sda:/dev/xvda:rwm",
      "AddDevice=/dev/kvm:/dev/kvm",
    ],
  ],
  [
    "dns, dns_search, dns_opt",
    `    dns: 1.1.1.1\n    dns_search: [example.com]\n    dns_opt: [ndots:2]\n`,
    "Container",
    [
      "DNS=1.1.1.1",
      "DNSSearch=example.com",
      "DNSOption=ndots:2",
    ],
  ],
  [
    "extra_hosts as a list and a map",
    `    extra_hosts:\n      - "sso.example:host-gateway"\n      - "db=10.0.0.5"\n`,
    "Container",
    [
      "AddHost=sso.example:host-gateway",
      "AddHost=db:10.0.0.5",
    ],
  ],
  ["extra_hosts as a map", `    extra_hosts:\n      v6: "::1"\n`, "Container", ["AddHost=v6:::1"]],
  [
    "ulimits",
    `    ulimits:\n      nproc: 65535\n      nofile: {soft: 1024, hard: 2048}\n`,
    "Container",
    [
      "Ulimit=nproc=65535",
      "Ulimit=nofile=1024:2048",
    ],
  ],
  ["sysctls as a map and a list", `    sysctls:\n      net.core.somaxconn: 1024\n`, "Container", [
    "Sysctl=net.core.somaxconn=1024",
  ]],
  [
    "shm_size, stop_signal, stop_grace_period",
    `    shm_size: 1gb\n    stop_signal: SIGINT\n    stop_grace_period: 1m30s\n`,
    "Container",
    [
      "ShmSize=1g",
      "StopSignal=SIGINT",
      "StopTimeout=90",
    ],
  ],
  ["init, read_only", `    init: true\n    read_only: true\n`, "Container", [
    "RunInit=true",
    "ReadOnly=true",
  ]],
  [
    "security_opt",
    `    security_opt:\n      - label:disable\n      - no-new-privileges:true\n      - seccomp=unconfined\n      - apparmor=unconfined\n`,
    "Container",
    [
      "SecurityLabelDisable=true",
      "NoNewPrivileges=true",
      "SeccompProfile=unconfined",
      "PodmanArgs=--security-opt=apparmor=unconfined",
    ],
  ],
  [
    "group_add, privileged, pid, ipc, userns_mode",
    `    group_add: [wheel]\n    privileged: true\n    pid: host\n    ipc: shareable\n    userns_mode: keep-id\n`,
    "Container",
    [
      "GroupAdd=wheel",
      "PodmanArgs=--privileged",
      "PodmanArgs=--pid=host",
      "PodmanArgs=--ipc=shareable",
      "UserNS=keep-id",
    ],
  ],
  [
    "logging",
    `    logging:\n      driver: journald\n      options:\n        tag: web\n`,
    "Container",
    [
      "LogDriver=journald",
      "LogOpt=tag=web",
    ],
  ],
  [
    "mem_limit, cpus, pids_limit",
    `    mem_limit: 512m\n    memswap_limit: 1g\n    cpus: 1.5\n    pids_limit: 100\n`,
    "Container",
    [
      "PodmanArgs=--memory=512m",
      "PodmanArgs=--memory-swap=1g",
      "PodmanArgs=--cpus=1.5",
      "PidsLimit=100",
    ],
  ],
  [
    "platform, pull_policy, tty, stdin_open, runtime",
    `    platform: linux/arm64\n    pull_policy: always\n    tty: true\n    stdin_open: true\n    runtime: crun\n`,
    "Container",
    [
      "PodmanArgs=--platform=linux/arm64",
      "Pull=always",
      "PodmanArgs=--tty",
      "PodmanArgs=--interactive",
      "PodmanArgs=--runtime=crun",
    ],
  ],
  [
    "file secrets and configs mount read-only",
    `    secrets: [db_pw, {source: api, target: api_key}]\n    configs: [{source: conf, target: /etc/app.conf}]\nsecrets:\n  db_pw: {file: ./pw.txt}\n  api: {file: ./api.txt}\nconfigs:\n  conf: {file: ./app.conf}\n`,
    "Container",
    [
      "Volume=/srv/p/pw.txt:/run/secrets/db_pw:ro",
      "Volume=/srv/p/api.txt:/run/secrets/api_key:ro",
      "Volume=/srv/p/app.conf:/etc/app.conf:ro",
    ],
  ],
  ["x- extensions are ignored", `    x-note: anything\n`, "Container", []],
  ["restart unless-stopped", `    restart: unless-stopped\n`, "Service", ["Restart=always"]],
  ["restart on-failure", `    restart: on-failure\n`, "Service", ["Restart=on-failure"]],
  ["restart no", `    restart: "no"\n`, "Service", ["Restart=no"]],
];

Deno.test({
  name: "each compose service key becomes exactly these unit lines",
  permissions: PURE,
  fn() {
    const wrong = CONTAINER.flatMap(([what, body, section, expected]) => {
      const got = (() => {
        try {
          return webLines(body, section);
        } catch (e) {
          return [(e as Error).message];
        }
      })();
      return JSON.stringify(got) === JSON.stringify(expected) ? [] : [{ what, got, expected }];
    });
    assert.deepEqual(wrong, []);
  },
});
