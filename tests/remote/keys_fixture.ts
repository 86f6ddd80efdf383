/**
 * Keys and a signature made once with the real ssh-keygen (OpenSSH 9.2) and what it printed for
 * them (`ssh-keygen -l`), for the pure tests, which cannot spawn it.
 *
 * @module
 */

/** `ssh-keygen -t ed25519 -C alice@ci`'s public key, and its `ssh-keygen -l` fingerprint. */
export const ALICE = {
  line: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJGOsBB7TC84IY96lhkcKT2RKawrdyiWW0wz4/nwIZ1g alice@ci",
  fingerprint: "SHA256:1J932AlljlrE5zVmIx02BPVE5/crfeSkLuwqM36sdMU",
};

/** `ssh-keygen -t rsa -b 2048 -C 'bob rsa'`. */
export const BOB = {
  line:
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDZ3x3C2IEkTPJv/AbuNbY3KphiWtuojHp4jYKd4iRI8D/fQWNH9lj1xPYliK8v4/geVKfIzCN9IMqtrnMHMUEP3EM2HJqGF1KUiS/DFklH+3x7TkZR/qip+MXyAeak7ZKEGCEmFQHpFOhBL/Yk2GjkOIoWEaeHOjWan1XAzxP0lDqOf+Ls7EMZ6wG76jH2cIGJN9AmPxkM/KYiSBlNCB99t67Py2ikKzd+XKuK8G6rSDTUUMZD9wWfwObDvqKsohFsbtYRkBEF1gweJX5JiZk2dkBgcIr0KpZ1GzlPDjycW70DwMgbKgSLGSrnJMzEj5vBsGWD0kyEjSzNvE6Ocy15 bob rsa",
  fingerprint: "SHA256:CWAurrMY7lSa5L6Uac0FiIHzPgIzwHGMzGTHdSfH5cU",
};

/** `ssh-keygen -t ecdsa -C ''` (no comment). */
export const CAROL = {
  line:
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBC3BlkZx5Tlg+/nJ12ctneKJKSIHHLDnxCuYOcbr8H4JURXNjMwWnWschGApcbQ0roW3jXjzUSum4symkKaC2qk=",
  fingerprint: "SHA256:LABJRgB5CmDGKkv8zm9gpjSojQCzcsZZy7yT/2pj4to",
};

/** `printf 'hello\n' | ssh-keygen -Y sign -n hoist-remote -f alice`, armor lines joined. */
export const ALICE_SIGNATURE =
  "U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAgkY6wEHtMLzghj3qWGRwpPZEprCt3KJZbTDPj+fAhnWAAAAAMaG9pc3QtcmVtb3RlAAAAAAAAAAZzaGE1MTIAAABTAAAAC3NzaC1lZDI1NTE5AAAAQN/JLA0OfopBnq07r61i/avQEBbjF6XWmjECc87a7MU1xQ+Mx3AaetT3r91XjvlvwPVPnWPfyvs7aDemuo2eHAw=";

/** The armor ssh-keygen printed for {@link ALICE_SIGNATURE}, verbatim. */
export const ALICE_ARMOR = `-----BEGIN SSH SIGNATURE-----
U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAgkY6wEHtMLzghj3qWGRwpPZEprC
t3KJZbTDPj+fAhnWAAAAAMaG9pc3QtcmVtb3RlAAAAAAAAAAZzaGE1MTIAAABTAAAAC3Nz
aC1lZDI1NTE5AAAAQN/JLA0OfopBnq07r61i/avQEBbjF6XWmjECc87a7MU1xQ+Mx3Aaet
T3r91XjvlvwPVPnWPfyvs7aDemuo2eHAw=
-----END SSH SIGNATURE-----
`;
