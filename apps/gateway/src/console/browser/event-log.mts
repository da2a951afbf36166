import { h, type ComponentChild } from 'preact';
import type { SessionEvent } from './api-types.mts';
import { clock } from './format.mts';

/** Rows shown at most: the log is for looking closely at the latest events. */
const SHOWN = 2_000;

/** Every event as it came, newest last, each with its raw JSON folded. */
export function EventLog(props: {
  events: readonly SessionEvent[];
  count: number;
}): ComponentChild {
  const start = Math.max(0, props.count - SHOWN);
  const rows = props.events.slice(start, props.count);
  return h('section', { class: 'event-log' }, [
    start > 0 ? h('p', { class: 'muted' }, `${start} earlier events not shown.`) : null,
    h(
      'ol',
      { class: 'events', start: start + 1 },
      rows.map((event) =>
        h('li', { 'data-event-id': event.id, key: event.id }, [
          h('details', {}, [
            h('summary', {}, [
              h('span', { class: 'mono muted' }, `#${event.seq}`),
              h('span', { class: 'muted' }, ` turn ${event.turn} · ${clock(event.ts)} · `),
              h('strong', {}, event.kind),
              ` ${summary(event)}`,
            ]),
            h('pre', {}, JSON.stringify(event.data, null, 2)),
          ]),
        ]),
      ),
    ),
  ]);
}

function summary(event: SessionEvent): string {
  const data = (event.data ?? {}) as Record<string, unknown>;
  if (event.kind === 'status') return String(data.status ?? '');
  if (event.kind !== 'claude') return '';
  const inner = (data.event ?? {}) as Record<string, unknown>;
  const sub = data.type === 'stream_event' ? inner.type : data.subtype;
  return [data.type, sub].filter((s) => typeof s === 'string').join(' · ');
}
