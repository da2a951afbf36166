import { h, type ComponentChild } from 'preact';
import { useState } from 'preact/hooks';
import type { ApiClient } from './api-client.mts';
import { BUSY, CLOSED, type SessionStatus } from './api-types.mts';

const OUTCOMES: Record<string, string> = {
  interrupted: 'The turn was stopped.',
  dropped: 'The queued turn was dropped before it ran.',
  nothing_running: 'Nothing was running.',
};

/** Interrupt the turn; terminate the session (asked twice: it cannot be undone). */
export function SessionActions(props: {
  api: ApiClient;
  sessionId: string;
  status?: SessionStatus;
}): ComponentChild {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [said, setSaid] = useState<{ text: string; error: boolean }>();
  const closed = props.status !== undefined && CLOSED.includes(props.status);
  const busyTurn = props.status !== undefined && BUSY.includes(props.status);

  const act = async (what: () => Promise<string>) => {
    setBusy(true);
    setSaid(undefined);
    try {
      setSaid({ text: await what(), error: false });
    } catch (failure) {
      setSaid({ text: failure instanceof Error ? failure.message : String(failure), error: true });
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };

  return h('div', { class: 'session-actions' }, [
    h(
      'button',
      {
        type: 'button',
        disabled: busy || !busyTurn,
        onClick: () =>
          act(
            async () => OUTCOMES[(await props.api.interrupt(props.sessionId)).outcome] ?? 'Done.',
          ),
      },
      'Interrupt',
    ),
    confirming
      ? [
          h(
            'button',
            {
              type: 'button',
              class: 'danger',
              disabled: busy,
              onClick: () =>
                act(
                  async () => (
                    await props.api.terminate(props.sessionId),
                    'The session was terminated.'
                  ),
                ),
            },
            'Yes, terminate',
          ),
          h('button', { type: 'button', onClick: () => setConfirming(false) }, 'Keep it'),
        ]
      : h(
          'button',
          {
            type: 'button',
            class: 'danger',
            disabled: busy || closed,
            onClick: () => setConfirming(true),
          },
          'Terminate',
        ),
    said
      ? h(
          'span',
          { class: said.error ? 'error' : 'muted', role: said.error ? 'alert' : 'status' },
          said.text,
        )
      : null,
  ]);
}
