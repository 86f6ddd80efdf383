/**
 * Reading a credential file (a registry token, a password): it must exist, be a file, not be
 * readable by others, and hold something; one trailing newline is not part of it. Errors name the
 * file and say how to fix it, never what it holds.
 *
 * @module
 */
import { HoistError, hostError } from "../errors.ts";

/** Reads `path` as a credential named by `what` (e.g. `[[registries]] password_file`). */
export async function readPrivateFile(path: string, what: string): Promise<string> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (e) {
    throw hostError(
      "config-missing",
      `cannot read ${path} (${what})`,
      path,
      e,
      `Create ${path}, readable only by hoist`,
    );
  }
  if (!info.isFile) {
    throw new HoistError(
      "config-invalid",
      `${path} (${what}) is not a file`,
      `Put the credential in a file at ${path}`,
    );
  }
  if (((info.mode ?? 0) & 0o077) !== 0) {
    throw new HoistError(
      "config-invalid",
      `${path} (${what}) can be read by others (mode ${
        ((info.mode ?? 0) & 0o777).toString(8).padStart(4, "0")
      })`,
      `chmod 600 ${path}`,
    );
  }
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw hostError("config-missing", `cannot read ${path} (${what})`, path, e);
  }
  const value = text.replace(/\r?\n$/, "");
  if (value.trim() === "") {
    throw new HoistError(
      "config-invalid",
      `${path} (${what}) is empty`,
      `Put the credential in ${path}`,
    );
  }
  return value;
}
