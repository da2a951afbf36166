import { h, type ComponentChild } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from './api-client.mts';
import type { Checkpoint, WorkspaceDiff } from './api-types.mts';
import { CheckpointSelect } from './checkpoint-select.mts';

export interface DiffRange {
  /** A checkpoint id, or '' for the seed. */
  from: string;
  /** A checkpoint id, or '' for the latest. */
  to: string;
}

/** What changed in the workspace between two checkpoints (default: since the seed). */
export function DiffView(props: {
  api: ApiClient;
  sessionId: string;
  checkpoints: readonly Checkpoint[];
  range: DiffRange;
  onRange: (range: DiffRange) => void;
}): ComponentChild {
  const { api, sessionId, range } = props;
  const [diff, setDiff] = useState<WorkspaceDiff>();
  const [error, setError] = useState<string>();
  const latest = props.checkpoints.at(-1)?.checkpointId;

  useEffect(() => {
    setError(undefined);
    if (!latest) return;
    api
      .diff(sessionId, range.from || undefined, range.to || undefined)
      .then(setDiff, (f: unknown) => setError(f instanceof Error ? f.message : String(f)));
  }, [api, sessionId, range.from, range.to, latest]);

  return h('section', { class: 'changes' }, [
    h('div', { class: 'toolbar' }, [
      h(CheckpointSelect, {
        label: 'From',
        name: 'diffFrom',
        checkpoints: props.checkpoints,
        first: { value: '', label: 'the seed' },
        value: range.from,
        onChange: (from: string) => props.onRange({ ...range, from }),
      }),
      h(CheckpointSelect, {
        label: 'To',
        name: 'diffTo',
        checkpoints: props.checkpoints,
        first: { value: '', label: 'the latest checkpoint' },
        value: range.to,
        onChange: (to: string) => props.onRange({ ...range, to }),
      }),
    ]),
    error ? h('p', { class: 'error', role: 'alert' }, error) : null,
    !latest
      ? h('p', { class: 'muted' }, 'No checkpoint yet: one is taken after each turn.')
      : diff
        ? [
            h(
              'ul',
              { class: 'changed-files' },
              diff.files.length === 0
                ? h('li', { class: 'muted' }, 'No changes.')
                : diff.files.map((f) =>
                    h('li', { 'data-path': f.path }, [
                      h('span', { class: `change change-${f.change}` }, f.change),
                      ' ',
                      h('span', { class: 'mono' }, f.path),
                      f.binary ? h('span', { class: 'muted' }, ' (binary)') : null,
                      f.tooLarge ? h('span', { class: 'muted' }, ' (too large to show)') : null,
                    ]),
                  ),
            ),
            h('pre', { class: 'diff' }, diffLines(diff.diff)),
            diff.truncated ? h('p', { class: 'muted' }, 'The diff was cut short.') : null,
          ]
        : h('p', { class: 'muted' }, 'Loading…'),
  ]);
}

function diffLines(diff: string): ComponentChild[] {
  return diff
    .split('\n')
    .map((line) => h('span', { class: `line ${lineClass(line)}` }, `${line}\n`));
}

function lineClass(line: string): string {
  if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('diff ')) return 'meta';
  if (line.startsWith('@@')) return 'hunk';
  if (line.startsWith('+')) return 'add';
  if (line.startsWith('-')) return 'del';
  return 'ctx';
}
