import { h, type ComponentChild } from 'preact';
import type { Checkpoint } from './api-types.mts';
import { shortId } from './format.mts';

/** A choice among the session's checkpoints, plus one extra first option (latest, seed). */
export function CheckpointSelect(props: {
  label: string;
  name: string;
  checkpoints: readonly Checkpoint[];
  first: { value: string; label: string };
  value: string;
  onChange: (value: string) => void;
}): ComponentChild {
  return h('label', { class: 'field' }, [
    h('span', {}, props.label),
    h(
      'select',
      {
        name: props.name,
        value: props.value,
        onChange: (e: Event) => props.onChange((e.currentTarget as HTMLSelectElement).value),
      },
      [
        h('option', { value: props.first.value }, props.first.label),
        ...props.checkpoints.map((c) => h('option', { value: c.checkpointId }, checkpointName(c))),
      ],
    ),
  ]);
}

export function checkpointName(c: Checkpoint): string {
  return `turn ${c.turn}${c.label ? ` · ${c.label}` : ''} · ${shortId(c.checkpointId)}`;
}
