/**
 * {@link statusPage}: the status dashboard as one small HTML page: server-rendered, no scripts,
 * no external assets, readable from 320 px wide up. Every value is escaped. Pure.
 *
 * @module
 */
import type { StatusView } from "./status_view.ts";

const STYLE = `
:root { color-scheme: light dark; font: 15px/1.4 system-ui, sans-serif; }
body { margin: 0 auto; padding: 0.75rem; max-width: 60rem; }
h1 { font-size: 1.3rem; margin: 0 0 0.25rem; } h2 { font-size: 1.05rem; margin: 1.25rem 0 0.4rem; }
.meta { margin: 0; color: GrayText; font-size: 0.85rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: 0.5rem; }
.card { border: 1px solid GrayText; border-radius: 0.4rem; padding: 0.5rem 0.6rem; overflow-wrap: anywhere; }
.card b { display: block; }
.ok { border-left: 0.35rem solid #2e7d32; } .bad { border-left: 0.35rem solid #c62828; }
.warn { border-left: 0.35rem solid #ef6c00; }
code { font-size: 0.85rem; overflow-wrap: anywhere; }
ul { padding-left: 1.1rem; margin: 0; } li { margin: 0.15rem 0; overflow-wrap: anywhere; }
`;

/**
 * The page for `view`.
 *
 * @example
 * ```ts
 * statusPage(statusView("pi", undefined, [], new Date())).startsWith("<!doctype html>"); // true
 * ```
 */
export function statusPage(view: StatusView): string {
  const title = `hoist on ${view.host}`;
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${esc(title)}</h1>`,
    `<p class="meta">revision <code>${esc(view.revision?.slice(0, 12) ?? "none yet")}</code>` +
    ` · observed ${esc(view.observedAt ?? "not yet")} · page ${esc(view.generatedAt)}` +
    ` · <a href="/status.json">JSON</a> · <a href="/metrics">metrics</a></p>`,
    section(
      "Sources",
      view.sources.map((s) =>
        card(
          s.verdict === "unchecked" ? "warn" : "ok",
          `${s.source} ${s.branch}`,
          [
            `commit <code>${esc(s.commit.slice(0, 12))}</code>`,
            `signer ${esc(s.signer || "unsigned")}`,
            `verdict ${esc(s.verdict)}`,
          ],
        )
      ),
      "No source fetched yet.",
    ),
    section(
      "Services",
      view.services.map((s) =>
        card(
          s.inSync ? "ok" : s.desiredHash === "(blocked)" ? "bad" : "warn",
          s.service,
          [
            `${s.lastRun === "" ? "state" : "state before the last run"} ${esc(s.state)}${
              s.inSync ? " (in sync)" : ""
            }`,
            `hash <code>${esc(s.desiredHash)}</code>${
              s.runningHash !== "" && s.runningHash !== s.desiredHash
                ? `, running <code>${esc(s.runningHash)}</code>`
                : ""
            }`,
            `last change ${esc(s.lastChange || "-")}`,
            ...(s.lastRun === "" ? [] : [`last run: ${esc(s.lastRun)}`]),
          ],
        )
      ),
      "No services.",
    ),
    `<h2>Problems</h2>${
      view.problems.length === 0
        ? "<p>None.</p>"
        : `<ul>${view.problems.map((p) => `<li>${esc(p.text)}</li>`).join("")}</ul>`
    }`,
    `<h2>Runs</h2>${
      view.runs.length === 0
        ? "<p>None yet.</p>"
        : `<ul>${
          view.runs.map((r) =>
            `<li><a href="/runs/${esc(r.id)}">${esc(r.id)}</a> ${esc(r.triggers.join(", "))}: ${
              esc(r.summary === undefined ? r.state : `${r.summary.result}: ${r.summary.message}`)
            } <span class="meta">${esc(r.finishedAt ?? r.queuedAt)}</span></li>`
          ).join("")
        }</ul>`
    }`,
    "</body></html>",
    "",
  ].join("\n");
}

function section(title: string, cards: readonly string[], empty: string): string {
  return `<h2>${esc(title)}</h2>${
    cards.length === 0 ? `<p>${esc(empty)}</p>` : `<div class="cards">${cards.join("")}</div>`
  }`;
}

function card(tone: "ok" | "bad" | "warn", title: string, lines: readonly string[]): string {
  return `<div class="card ${tone}"><b>${esc(title)}</b>${
    lines.map((l) => `<div>${l}</div>`).join("")
  }</div>`;
}

/** HTML-escapes text, and shows control characters as `?`. */
export function esc(text: string): string {
  return text
    // deno-lint-ignore no-control-regex
    .replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, "?")
    .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}
