/**
 * Delivery of one notification by mail, through nodemailer's SMTP transport (the standard SMTP
 * client for JavaScript; it runs under Deno's node compatibility).
 *
 * The contract, written down once:
 * - `tls`: implicit TLS from the first byte (port 465); `starttls`: the server must offer
 *   STARTTLS and hoist upgrades before AUTH (nodemailer's `requireTLS`), else it does not send;
 *   `none`: plain text, never with a password (the config refuses that);
 * - certificates are verified against the system's CAs plus `ca` when given;
 * - each attempt is bounded by `timeoutMs` (connect, greeting, every answer, and the whole
 *   attempt), retried as {@link withRetries} says; SMTP 4xx and connection errors are retried,
 *   5xx answers (a refused login, a refused recipient) and a certificate that does not verify
 *   are final;
 * - nodemailer's own logging is off; error texts carry the server's answer, never the password.
 *
 * @module
 */
import nodemailer from "nodemailer";
import {
  type DeliveryOptions,
  type DeliveryResult,
  describe,
  oneLineText,
  withRetries,
} from "./notify_http.ts";

/** How to reach the SMTP server. */
export interface SmtpOptions {
  readonly host: string;
  readonly port: number;
  readonly security: "tls" | "starttls" | "none";
  readonly auth?: { readonly user: string; readonly pass: string };
  /** Extra CA certificates (PEM). */
  readonly ca?: string;
  /** The name hoist gives in EHLO (the host's name). */
  readonly clientName: string;
}

/** One mail. */
export interface MailMessage {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What hoist uses of nodemailer's transport. */
interface Transport {
  sendMail(mail: Record<string, unknown>): Promise<unknown>;
  close(): void;
}

/** Sends `mail` over SMTP with {@link withRetries}. */
export function sendMail(
  smtp: SmtpOptions,
  mail: MailMessage,
  opts: DeliveryOptions,
): Promise<DeliveryResult> {
  return withRetries(async (signal) => {
    const transport = (nodemailer as unknown as {
      createTransport(o: Record<string, unknown>): Transport;
    }).createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.security === "tls",
      requireTLS: smtp.security === "starttls",
      ignoreTLS: smtp.security === "none",
      name: smtp.clientName,
      ...(smtp.auth === undefined ? {} : { auth: { user: smtp.auth.user, pass: smtp.auth.pass } }),
      ...(smtp.ca === undefined ? {} : { tls: { ca: [smtp.ca] } }),
      connectionTimeout: opts.timeoutMs,
      greetingTimeout: opts.timeoutMs,
      socketTimeout: opts.timeoutMs,
      dnsTimeout: opts.timeoutMs,
      logger: false,
      debug: false,
    });
    const aborted = new Promise<never>((_, reject) => {
      const stop = () => reject(signal.reason);
      if (signal.aborted) stop();
      else signal.addEventListener("abort", stop, { once: true });
    });
    try {
      await Promise.race([
        transport.sendMail({
          from: mail.from,
          to: [...mail.to],
          subject: mail.subject,
          text: mail.text,
          headers: { ...mail.headers },
        }),
        aborted,
      ]);
      return undefined;
    } catch (e) {
      return smtpError(e, opts.timeoutMs);
    } finally {
      transport.close();
    }
  }, opts);
}

/** A nodemailer error → one line, and whether to try again. */
function smtpError(e: unknown, timeoutMs: number): { retry: boolean; error: string } {
  if (e instanceof DOMException) return { retry: true, error: describe(e, timeoutMs) };
  const err = e as { responseCode?: unknown; code?: unknown; message?: unknown };
  const code = typeof err.responseCode === "number" ? err.responseCode : undefined;
  const text = oneLineText(String(err.message ?? e));
  // a certificate that does not verify will not verify on the next attempt either
  const certificate = /certificate|CERT_|altnames/i.test(text);
  return {
    retry: !certificate && (code === undefined || (code >= 400 && code < 500)),
    error: `smtp ${typeof err.code === "string" ? `${err.code}: ` : ""}${text}`,
  };
}
