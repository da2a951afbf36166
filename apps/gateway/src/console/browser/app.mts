import { h, type ComponentChild } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { ApiClient } from './api-client.mts';
import { keyStore } from './key-store.mts';
import { forgetPrompts } from './prompts.mts';
import { href, useRoute } from './router.mts';
import { SessionList } from './session-list.mts';
import { SessionPage } from './session-page.mts';
import { SignIn } from './sign-in.mts';

/**
 * The console: signed out, the sign-in form; signed in, the session list or one session. An
 * empty key is a gateway without keys (loopback only), found by asking /api/v1 without one.
 */
export function App(): ComponentChild {
  const [key, setKey] = useState<string | null>(() => keyStore.read());
  const [probing, setProbing] = useState(key === null);
  const signOut = useCallback(() => {
    keyStore.clear();
    forgetPrompts();
    setKey(null);
  }, []);
  const api = useMemo(() => (key === null ? undefined : new ApiClient(key, signOut)), [key]);
  const route = useRoute();

  useEffect(() => {
    if (key !== null) return;
    void new ApiClient('', () => undefined)
      .listSessions(1)
      .then(() => {
        keyStore.write('');
        setKey('');
      })
      .catch(() => undefined)
      .finally(() => setProbing(false));
  }, []);

  if (!api) {
    return h(SignIn, {
      probing,
      onSignedIn: (signedIn: string) => {
        keyStore.write(signedIn);
        setKey(signedIn);
      },
    });
  }
  return h('div', { class: 'shell' }, [
    h('header', { class: 'topbar' }, [
      h('a', { class: 'brand', href: href({ view: 'list' }) }, 'Claude sessions'),
      key === ''
        ? h('span', { class: 'muted' }, 'no key needed (loopback)')
        : h('button', { type: 'button', class: 'link', onClick: signOut }, 'Sign out'),
    ]),
    h(
      'main',
      { class: 'content' },
      route.view === 'list'
        ? h(SessionList, { api })
        : h(SessionPage, { api, sessionId: route.sessionId, tab: route.tab, key: route.sessionId }),
    ),
  ]);
}
