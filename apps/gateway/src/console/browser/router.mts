import { useEffect, useState } from 'preact/hooks';

/**
 * Where the console is: the address's fragment (`#/sessions/<id>/workspace`), so every view
 * has an address a reload or a bookmark keeps, and /console stays one static page.
 */
export type Route = { view: 'list' } | { view: 'session'; sessionId: string; tab: SessionTab };

export const SESSION_TABS = [
  'conversation',
  'workspace',
  'changes',
  'checkpoints',
  'events',
] as const;
export type SessionTab = (typeof SESSION_TABS)[number];

export function parseRoute(hash: string): Route {
  const [, view, id, tab] = hash.replace(/^#/, '').split('/');
  if (view === 'sessions' && id) {
    const known = SESSION_TABS.find((t) => t === tab);
    return { view: 'session', sessionId: decodeURIComponent(id), tab: known ?? 'conversation' };
  }
  return { view: 'list' };
}

export function href(route: Route): string {
  if (route.view === 'list') return '#/';
  const tab = route.tab === 'conversation' ? '' : `/${route.tab}`;
  return `#/sessions/${encodeURIComponent(route.sessionId)}${tab}`;
}

export function go(route: Route): void {
  location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}
