/**
 * A rendered {@link Message} → what each kind of sink is sent: the webhook's versioned JSON (its
 * schema is {@link WEBHOOK_SCHEMA}, documented in README's Notifications section), ntfy's JSON
 * publish, Gotify's message, a mail. Signing and tokens come in as arguments; nothing here reads.
 *
 * @module
 */
import type { EventKind, GotifySink, NtfySink, WebhookSink } from "../config/notify_config.ts";
import type { HttpMessage } from "../adapters/notify_http.ts";
import type { MailMessage } from "../adapters/notify_email.ts";
import { signBody, type WebhookSecret } from "../server/webhook_auth.ts";
import { VERSION } from "../version.ts";
import type { Message } from "./render_message.ts";

/** The `schema` value of every webhook body; a new version gets a new name. */
export const WEBHOOK_SCHEMA = "hoist.notify/v1";

/** ntfy priority (1-5) and tags (emoji short codes) per kind. */
export const NTFY_STYLE: Readonly<Record<EventKind, { priority: number; tags: string[] }>> = {
  "deployed": { priority: 2, tags: ["rocket"] },
  "failed": { priority: 4, tags: ["x"] },
  "rolled-back": { priority: 4, tags: ["rewind"] },
  "held-back": { priority: 3, tags: ["pause_button"] },
  "refused": { priority: 4, tags: ["no_entry"] },
  "fetch-failed": { priority: 3, tags: ["warning"] },
  "recovered": { priority: 3, tags: ["white_check_mark"] },
  "remote": { priority: 3, tags: ["joystick"] },
};

/** Gotify priority (0-10) per kind. */
export const GOTIFY_PRIORITY: Readonly<Record<EventKind, number>> = {
  "deployed": 2,
  "failed": 8,
  "rolled-back": 8,
  "held-back": 5,
  "refused": 8,
  "fetch-failed": 5,
  "recovered": 5,
  "remote": 5,
};

const USER_AGENT = `hoist/${VERSION}`;
const enc = new TextEncoder();

/** The webhook body: `{schema, sink, event, title, body, suppressed}` with sorted event keys. */
export function webhookBody(sink: string, m: Message): Record<string, unknown> {
  const e = m.event;
  const event = Object.fromEntries(
    Object.entries({
      kind: e.kind,
      host: e.host,
      at: e.at,
      source: e.source ?? null,
      revision: e.revision ?? null,
      signer: e.signer ?? null,
      service: e.service ?? null,
      summary: e.summary,
      ...(e.failures === undefined ? {} : { failures: e.failures }),
    }).sort(([a], [b]) => a < b ? -1 : 1),
  );
  return {
    schema: WEBHOOK_SCHEMA,
    sink,
    event,
    title: m.title,
    body: m.body,
    suppressed: m.suppressed ?? null,
    ...(m.test === true ? { test: true } : {}),
  };
}

/** The webhook POST, with `X-Hoist-Signature-256: sha256=<HMAC of the body>` when `secret` is set. */
export async function webhookRequest(
  sink: WebhookSink,
  m: Message,
  secret: WebhookSecret | undefined,
): Promise<HttpMessage> {
  const body = enc.encode(JSON.stringify(webhookBody(sink.name, m)));
  return {
    url: sink.url,
    headers: {
      "content-type": "application/json",
      "user-agent": USER_AGENT,
      "x-hoist-event": m.event.kind,
      ...(secret === undefined
        ? {}
        : { "x-hoist-signature-256": `sha256=${await signBody(secret, body)}` }),
    },
    body,
  };
}

/** ntfy's JSON publish: a POST to the server's root naming the topic. */
export function ntfyRequest(sink: NtfySink, m: Message, token: string | undefined): HttpMessage {
  const style = NTFY_STYLE[m.event.kind];
  return {
    url: sink.url.replace(/\/+$/, "") + "/",
    headers: {
      "content-type": "application/json",
      "user-agent": USER_AGENT,
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: enc.encode(JSON.stringify({
      topic: sink.topic,
      title: m.title,
      message: m.body,
      priority: style.priority,
      tags: style.tags,
    })),
  };
}

/** Gotify's `POST /message` with the application token in `X-Gotify-Key` (not the URL). */
export function gotifyRequest(sink: GotifySink, m: Message, token: string): HttpMessage {
  return {
    url: `${sink.url.replace(/\/+$/, "")}/message`,
    headers: {
      "content-type": "application/json",
      "user-agent": USER_AGENT,
      "x-gotify-key": token,
    },
    body: enc.encode(JSON.stringify({
      title: m.title,
      message: m.body,
      priority: GOTIFY_PRIORITY[m.event.kind],
    })),
  };
}

/** The mail: the title as subject, the body as text. */
export function mailMessage(from: string, to: readonly string[], m: Message): MailMessage {
  return {
    from,
    to,
    subject: m.title,
    text: `${m.body}\n`,
    headers: { "X-Hoist-Event": m.event.kind },
  };
}
