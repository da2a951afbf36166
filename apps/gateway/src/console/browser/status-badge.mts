import { h, type ComponentChild } from 'preact';

/** A session status (or a status event's) as a coloured label; the class picks the colour. */
export function StatusBadge(props: { status: string }): ComponentChild {
  return h('span', { class: `badge status-${props.status}` }, props.status);
}
