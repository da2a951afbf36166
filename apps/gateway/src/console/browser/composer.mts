import { h, type ComponentChild } from 'preact';
import { useState } from 'preact/hooks';
import type { ApiClient } from './api-client.mts';
import { rememberPrompt } from './prompts.mts';

/** The follow-up message box; Ctrl+Enter (⌘+Enter) sends. */
export function Composer(props: {
  api: ApiClient;
  sessionId: string;
  closed: boolean;
  onSent: (turn: number, message: string) => void;
}): ComponentChild {
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const send = async (event?: Event) => {
    event?.preventDefault();
    const text = message.trim();
    if (!text || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      const sent = await props.api.send(props.sessionId, text);
      rememberPrompt(props.sessionId, sent.turn, text);
      props.onSent(sent.turn, text);
      setMessage('');
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };

  if (props.closed)
    return h(
      'p',
      { class: 'muted composer-closed' },
      'This session has ended: it takes no more messages (its checkpoints can be forked).',
    );
  return h('form', { class: 'composer', onSubmit: send }, [
    h('textarea', {
      name: 'message',
      rows: 2,
      placeholder: 'Send a follow-up… (Ctrl+Enter)',
      'aria-label': 'Follow-up message',
      value: message,
      onInput: (e: Event) => setMessage((e.currentTarget as HTMLTextAreaElement).value),
      onKeyDown: (e: KeyboardEvent) => {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void send(e);
      },
    }),
    h(
      'button',
      { type: 'submit', class: 'primary', disabled: busy || !message.trim() },
      busy ? 'Sending…' : 'Send',
    ),
    error ? h('p', { class: 'error', role: 'alert' }, error) : null,
  ]);
}
