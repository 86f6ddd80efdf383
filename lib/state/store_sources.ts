/**
 * The state store's deployed commits (table sources): the last commit applied per source branch.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { SourceRecord } from "../reconcile/records.ts";
import { corruptRow } from "./state_error.ts";
import type { StoreContext } from "./store_context.ts";

/** Writes the deployed commits `rows` (in the caller's transaction). */
export function putSources(db: DatabaseSync, rows: readonly SourceRecord[]): void {
  const put = db.prepare(
    "INSERT OR REPLACE INTO sources (source, branch, commit_id, signer, policy, deployed_at, committed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  for (const r of rows) {
    put.run(
      r.source,
      r.branch,
      r.commit,
      r.signer,
      r.policy,
      r.deployedAt,
      r.committedAt ?? null,
    );
  }
}

/** The store's `lastDeployed` and `recordSources`. */
export function storeSources({ db, path, guard, tx }: StoreContext) {
  return {
    lastDeployed(source: string): Map<string, SourceRecord> {
      const rows = guard(
        "read the deployed commits",
        () => db.prepare("SELECT * FROM sources WHERE source = ? ORDER BY branch").all(source),
      );
      const out = new Map<string, SourceRecord>();
      for (const r of rows) {
        const at = r.committed_at;
        if (at !== null && typeof at !== "number" && typeof at !== "bigint") {
          throw corruptRow(path, "sources", `${source} ${String(r.branch)}`, "committed_at");
        }
        out.set(String(r.branch), {
          source,
          branch: String(r.branch),
          commit: String(r.commit_id),
          signer: String(r.signer),
          policy: String(r.policy),
          deployedAt: String(r.deployed_at),
          ...(at === null ? {} : { committedAt: Number(at) }),
        });
      }
      return out;
    },
    recordSources(rows: readonly SourceRecord[]): void {
      tx("record the deployed commits", () => putSources(db, rows));
    },
  };
}
