/**
 * {@link sinkFilter}: which events a sink wants. Pure.
 *
 * @module
 */
import type { NotifySink } from "../config/notify_config.ts";
import type { NotifyEvent } from "./events.ts";

/**
 * The events `sink` is sent: of a kind in its `on`, of a service in its `services` when set (events
 * without a service, such as `refused`, reach every sink), and `fetch-failed` only once the
 * failures in a row reach its `fetch_failures`.
 */
export function sinkFilter(sink: NotifySink): (event: NotifyEvent) => boolean {
  return (e) =>
    sink.on.includes(e.kind) &&
    (sink.services === undefined || e.service === undefined || sink.services.includes(e.service)) &&
    (e.kind !== "fetch-failed" || (e.failures ?? 0) >= sink.fetchFailures);
}
