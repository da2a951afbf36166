import { h, type ComponentChild } from 'preact';
import { useState } from 'preact/hooks';
import type { ApiClient } from './api-client.mts';
import type { Checkpoint } from './api-types.mts';
import { bytes } from './format.mts';
import { NewSession } from './new-session.mts';
import { go } from './router.mts';

/**
 * The session's checkpoints as a timeline, oldest first: read the files of one, see what
 * changed since the one before, fork one into a new session; label the current state.
 */
export function CheckpointsView(props: {
  api: ApiClient;
  sessionId: string;
  checkpoints: readonly Checkpoint[];
  onFiles: (checkpointId: string) => void;
  onChanges: (from: string, to: string) => void;
}): ComponentChild {
  const [forking, setForking] = useState<string>();
  const [label, setLabel] = useState('');
  const [said, setSaid] = useState<string>();
  const { api, sessionId, checkpoints } = props;

  const create = async (event: Event) => {
    event.preventDefault();
    try {
      const made = await api.createCheckpoint(sessionId, label.trim() || undefined);
      setSaid(`Checkpoint ${made.checkpointId.slice(0, 8)} created.`);
      setLabel('');
    } catch (failure) {
      setSaid(failure instanceof Error ? failure.message : String(failure));
    }
  };

  return h('section', { class: 'checkpoints' }, [
    h('form', { class: 'toolbar', onSubmit: create }, [
      h('input', {
        name: 'label',
        placeholder: 'Label (optional)',
        'aria-label': 'Checkpoint label',
        value: label,
        onInput: (e: Event) => setLabel((e.currentTarget as HTMLInputElement).value),
      }),
      h('button', { type: 'submit' }, 'Checkpoint now'),
      said ? h('span', { class: 'muted', role: 'status' }, said) : null,
    ]),
    checkpoints.length === 0
      ? h('p', { class: 'muted' }, 'No checkpoint yet: one is taken after each turn.')
      : h(
          'ol',
          { class: 'timeline' },
          checkpoints.map((c, i) =>
            h(
              'li',
              {
                class: 'timeline-entry',
                key: c.checkpointId,
                'data-checkpoint-id': c.checkpointId,
              },
              [
                h('div', { class: 'when' }, [
                  h('strong', {}, `Turn ${c.turn}`),
                  c.label ? h('span', { class: 'label' }, c.label) : null,
                  h('span', { class: 'muted small' }, new Date(c.createdAt).toLocaleString()),
                ]),
                h(
                  'div',
                  { class: 'muted small mono', title: c.checkpointId },
                  `${c.checkpointId.slice(0, 16)}… · ${bytes(c.bytes)}`,
                ),
                h('div', { class: 'actions' }, [
                  h(
                    'button',
                    { type: 'button', onClick: () => props.onFiles(c.checkpointId) },
                    'Files',
                  ),
                  h(
                    'button',
                    {
                      type: 'button',
                      onClick: () =>
                        props.onChanges(checkpoints[i - 1]?.checkpointId ?? '', c.checkpointId),
                    },
                    i === 0 ? 'Changes since the seed' : 'Changes since previous',
                  ),
                  h(
                    'button',
                    {
                      type: 'button',
                      onClick: () =>
                        setForking(forking === c.checkpointId ? undefined : c.checkpointId),
                    },
                    'Fork…',
                  ),
                ]),
                forking === c.checkpointId
                  ? h(NewSession, {
                      api,
                      checkpointId: c.checkpointId,
                      onCancel: () => setForking(undefined),
                      onStarted: (id: string) =>
                        go({ view: 'session', sessionId: id, tab: 'conversation' }),
                    })
                  : null,
              ],
            ),
          ),
        ),
  ]);
}
