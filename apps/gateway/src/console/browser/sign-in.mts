import { h, type ComponentChild } from 'preact';
import { useState } from 'preact/hooks';
import { ApiClient, ApiFailure } from './api-client.mts';

/** Asks for an API key and keeps it only once /api/v1 accepts it. */
export function SignIn(props: {
  probing: boolean;
  onSignedIn: (key: string) => void;
}): ComponentChild {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const candidate = key.trim();
    if (!candidate) return;
    setBusy(true);
    setError(undefined);
    try {
      await new ApiClient(candidate, () => undefined).listSessions(1);
      props.onSignedIn(candidate);
    } catch (failure) {
      setError(
        failure instanceof ApiFailure && failure.status === 401
          ? 'The gateway refused this key.'
          : String(failure instanceof Error ? failure.message : failure),
      );
    } finally {
      setBusy(false);
    }
  };

  return h('main', { class: 'sign-in' }, [
    h('h1', {}, 'Claude sessions'),
    h('form', { class: 'card', onSubmit: submit }, [
      h('label', { for: 'key' }, 'API key'),
      h('input', {
        id: 'key',
        name: 'key',
        type: 'password',
        autocomplete: 'off',
        spellcheck: false,
        required: true,
        value: key,
        disabled: props.probing,
        onInput: (e: Event) => setKey((e.currentTarget as HTMLInputElement).value),
      }),
      h(
        'button',
        { type: 'submit', disabled: busy || props.probing },
        busy ? 'Checking…' : 'Sign in',
      ),
      error ? h('p', { class: 'error', role: 'alert' }, error) : null,
      h(
        'p',
        { class: 'muted small' },
        'A tenant’s key (MCP_API_KEYS) shows its sessions; an operator’s (ADMIN_API_KEYS) every ' +
          'tenant’s. The key stays in this tab (sessionStorage, gone when the tab closes) and is ' +
          'sent only as Authorization: Bearer to /api/v1.',
      ),
    ]),
  ]);
}
