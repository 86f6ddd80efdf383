/**
 * {@link renderMessage}: an event through a sink's templates → the title and body sent. Pure.
 *
 * @module
 */
import type { Template, TemplateField, TemplateText } from "../config/notify_config.ts";
import { oneLine } from "../errors.ts";
import type { NotifyEvent } from "./events.ts";

/** Events of one throttle key left out since the last message. */
export interface Suppressed {
  readonly count: number;
  /** When the first of them happened (ISO 8601). */
  readonly since: string;
}

/** What a sink sends for one event. */
export interface Message {
  readonly event: NotifyEvent;
  readonly title: string;
  readonly body: string;
  readonly suppressed?: Suppressed;
  /** Sent by `hoist notify test`. */
  readonly test?: boolean;
}

/** `2026-12-01T02:10:33Z` → `2026-12-01 02:10 UTC`. */
export function shortTime(iso: string): string {
  return iso.replace(/^(\d{4}-\d\d-\d\d)T(\d\d:\d\d).*$/, "$1 $2 UTC");
}

/** The value `field` shows for `event` (`-` where the event has none). */
export function fieldValue(event: NotifyEvent, field: TemplateField): string {
  switch (field) {
    case "rev": {
      const r = event.revision;
      return r === undefined ? "-" : /^[0-9a-f]{40,64}$/.test(r) ? r.slice(0, 12) : r;
    }
    case "time":
      return shortTime(event.at);
    default:
      return event[field] ?? "-";
  }
}

/** Fills a compiled template; every value is one line with control characters escaped. */
export function fill(text: TemplateText, event: NotifyEvent): string {
  return text.map((p) => typeof p === "string" ? p : oneLine(fieldValue(event, p.field))).join("");
}

const NOUNS: Readonly<Record<NotifyEvent["kind"], string>> = {
  "deployed": "deploys",
  "failed": "failures",
  "rolled-back": "rollbacks",
  "held-back": "holds",
  "refused": "refusals",
  "fetch-failed": "failed fetches",
  "recovered": "recoveries",
  "remote": "remote operations",
};

/**
 * The line telling what the throttle left out, e.g. `and 14 more failures of web since 02:10 UTC`
 * (the date shown too when it is not the day of `event`).
 */
export function suppressedLine(event: NotifyEvent, s: Suppressed): string {
  const of = event.service ?? event.source ?? event.host;
  const since = shortTime(s.since);
  const day = since.slice(0, 10) === shortTime(event.at).slice(0, 10);
  return `and ${s.count} more ${NOUNS[event.kind]} of ${of} since ${day ? since.slice(11) : since}`;
}

/**
 * The message for `event` through `template`, with the suppressed line appended to the body.
 *
 * @example
 * ```ts
 * renderMessage(event, sink.templates.failed, { count: 14, since: "2026-12-01T02:10:00Z" }).body;
 * // "start gitops-web.service failed: …\n\nand 14 more failures of web since 02:10 UTC"
 * ```
 */
export function renderMessage(
  event: NotifyEvent,
  template: Template,
  suppressed?: Suppressed,
): Message {
  const body = fill(template.body, event);
  return {
    event,
    title: fill(template.title, event),
    body: suppressed === undefined ? body : `${body}\n\n${suppressedLine(event, suppressed)}`,
    ...(suppressed === undefined ? {} : { suppressed }),
  };
}
