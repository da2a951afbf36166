import { h, type ComponentChild } from 'preact';
import { useState } from 'preact/hooks';
import type { ApiClient } from './api-client.mts';
import type { SessionStatus, SessionSummary } from './api-types.mts';
import { ago, shortId, usd } from './format.mts';
import { NewSession } from './new-session.mts';
import { go, href } from './router.mts';
import { StatusBadge } from './status-badge.mts';
import { usePolling } from './use-polling.mts';

/** How often the list is read again: live enough to follow statuses, one request per 3 s. */
const POLL_MS = 3_000;
const PAGE = 50;
const MOST = 200;
const STATUSES: readonly SessionStatus[] = [
  'queued',
  'running',
  'waiting',
  'idle',
  'hibernated',
  'failed',
  'completed',
  'terminated',
];

/**
 * The sessions, newest first, read again every few seconds while the tab shows. With an
 * operator key (the answer lists `tenants`): every tenant's, each naming its tenant, one
 * tenant's on request, and no New session (an operator starts none).
 */
export function SessionList(props: { api: ApiClient }): ComponentChild {
  const [limit, setLimit] = useState(PAGE);
  const [status, setStatus] = useState<SessionStatus | ''>('');
  const [tenant, setTenant] = useState('');
  const [sessions, setSessions] = useState<SessionSummary[]>();
  const [tenants, setTenants] = useState<string[]>();
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string>();
  const [creating, setCreating] = useState(false);
  const operator = tenants !== undefined;

  usePolling(
    async () => {
      try {
        const page = await props.api.listSessions(limit, status || undefined, tenant || undefined);
        setSessions(page.sessions);
        setTenants(page.tenants);
        setMore(page.next !== undefined);
        setError(undefined);
      } catch (failure) {
        setError(failure instanceof Error ? failure.message : String(failure));
      }
    },
    POLL_MS,
    [props.api, limit, status, tenant],
  );

  return h('section', { class: 'sessions' }, [
    h('div', { class: 'toolbar' }, [
      h('h1', {}, operator ? 'Sessions of every tenant' : 'Sessions'),
      operator
        ? choice('Tenant', tenant, setTenant, [
            ['', 'every tenant'],
            ...tenants.map((t) => [t, t] as const),
          ])
        : null,
      choice('Status', status, (s) => setStatus(s as SessionStatus | ''), [
        ['', 'any status'],
        ...STATUSES.map((s) => [s, s] as const),
      ]),
      operator
        ? h('span', { class: 'badge' }, 'operator')
        : h(
            'button',
            { type: 'button', class: 'primary', onClick: () => setCreating(!creating) },
            creating ? 'Close' : 'New session',
          ),
    ]),
    creating && !operator
      ? h(NewSession, {
          api: props.api,
          onCancel: () => setCreating(false),
          onStarted: (id: string) => go({ view: 'session', sessionId: id, tab: 'conversation' }),
        })
      : null,
    error ? h('p', { class: 'error', role: 'alert' }, error) : null,
    sessions === undefined
      ? h('p', { class: 'muted' }, 'Loading…')
      : sessions.length === 0
        ? h('p', { class: 'muted empty' }, 'No sessions yet.')
        : h('table', { class: 'session-table' }, [
            h(
              'thead',
              {},
              h('tr', {}, [
                h('th', {}, 'Session'),
                operator ? h('th', {}, 'Tenant') : null,
                h('th', {}, 'Status'),
                h('th', { class: 'num' }, 'Turns'),
                h('th', { class: 'num' }, 'Cost'),
                h('th', {}, 'Last activity'),
                h('th', {}, 'Started'),
              ]),
            ),
            h(
              'tbody',
              {},
              sessions.map((s) => h(Row, { session: s, operator, key: s.sessionId })),
            ),
          ]),
    more && limit < MOST
      ? h(
          'button',
          { type: 'button', onClick: () => setLimit(Math.min(MOST, limit + PAGE)) },
          'Show more',
        )
      : null,
  ]);
}

function choice(
  label: string,
  value: string,
  onChange: (value: string) => void,
  options: ReadonlyArray<readonly [string, string]>,
): ComponentChild {
  return h(
    'select',
    {
      'aria-label': label,
      value,
      onChange: (e: Event) => onChange((e.currentTarget as HTMLSelectElement).value),
    },
    options.map(([v, text]) => h('option', { value: v }, text)),
  );
}

function Row({
  session: s,
  operator,
}: {
  session: SessionSummary;
  operator: boolean;
}): ComponentChild {
  const to = href({ view: 'session', sessionId: s.sessionId, tab: 'conversation' });
  return h('tr', { 'data-session-id': s.sessionId }, [
    h(
      'td',
      { 'data-label': 'Session' },
      h('a', { href: to, class: 'mono', title: s.sessionId }, shortId(s.sessionId)),
    ),
    operator ? h('td', { 'data-label': 'Tenant', class: 'tenant' }, s.tenant ?? '') : null,
    h('td', { 'data-label': 'Status' }, h(StatusBadge, { status: s.status })),
    h('td', { 'data-label': 'Turns', class: 'num' }, String(s.turns)),
    h('td', { 'data-label': 'Cost', class: 'num' }, usd(s.costUsd)),
    h('td', { 'data-label': 'Last activity', title: s.updatedAt }, ago(s.updatedAt)),
    h(
      'td',
      { 'data-label': 'Started', title: s.createdAt },
      new Date(s.createdAt).toLocaleString(),
    ),
  ]);
}
