import { h, type ComponentChild } from 'preact';
import { useState } from 'preact/hooks';
import type { ApiClient } from './api-client.mts';
import { CLOSED } from './api-types.mts';
import { ApprovalPanel } from './approval-panel.mts';
import { CheckpointsView } from './checkpoints-view.mts';
import { Composer } from './composer.mts';
import { ConversationView } from './conversation-view.mts';
import { DiffView, type DiffRange } from './diff-view.mts';
import type { FeedState } from './event-feed.mts';
import { EventLog } from './event-log.mts';
import { shortId, usd } from './format.mts';
import { go, href, SESSION_TABS, type SessionTab } from './router.mts';
import { SessionActions } from './session-actions.mts';
import { StatusBadge } from './status-badge.mts';
import { useSessionDetail } from './use-session-detail.mts';
import { useSessionFeed } from './use-session-feed.mts';
import { WorkspaceView } from './workspace-view.mts';

const TAB_NAMES: Record<SessionTab, string> = {
  conversation: 'Conversation',
  workspace: 'Files',
  changes: 'Changes',
  checkpoints: 'Checkpoints',
  events: 'Events',
};

/** One session: what it says as it streams, what it asks, its files, its checkpoints. */
export function SessionPage(props: {
  api: ApiClient;
  sessionId: string;
  tab: SessionTab;
}): ComponentChild {
  const { api, sessionId, tab } = props;
  const feed = useSessionFeed(api, sessionId);
  const { detail, checkpoints, notFound, error } = useSessionDetail(api, sessionId, feed.changes);
  const [treeAt, setTreeAt] = useState('');
  const [range, setRange] = useState<DiffRange>({ from: '', to: '' });

  if (notFound) {
    return h('section', { class: 'card not-found', role: 'alert' }, [
      h('h1', {}, 'Session not found'),
      h('p', {}, `There is no session ${sessionId} for this key.`),
      h('a', { href: href({ view: 'list' }) }, 'Back to the sessions'),
    ]);
  }
  const status = detail?.status;
  const closed = status !== undefined && CLOSED.includes(status);
  const open = (next: SessionTab) => go({ view: 'session', sessionId, tab: next });

  return h('section', { class: 'session', 'data-session-id': sessionId }, [
    h('div', { class: 'session-head' }, [
      h('a', { href: href({ view: 'list' }), class: 'back', 'aria-label': 'All sessions' }, '←'),
      h('h1', { class: 'mono', title: sessionId }, shortId(sessionId)),
      status ? h(StatusBadge, { status }) : null,
      detail
        ? h('span', { class: 'figures' }, [
            `${detail.turns} turn${detail.turns === 1 ? '' : 's'} · ${usd(detail.costUsd)} · `,
            `${detail.usage.input_tokens + detail.usage.cache_read_input_tokens + detail.usage.cache_creation_input_tokens} in / ${detail.usage.output_tokens} out tokens`,
          ])
        : null,
      h(FeedIndicator, { state: feed.state }),
    ]),
    detail?.lastError ? h('p', { class: 'problem', role: 'alert' }, detail.lastError) : null,
    error ? h('p', { class: 'error', role: 'alert' }, error) : null,
    h(SessionActions, { api, sessionId, status }),
    h(ApprovalPanel, { api, sessionId, pending: feed.pending }),
    h(
      'nav',
      { class: 'tabs', 'aria-label': 'Session views' },
      SESSION_TABS.map((t) =>
        h(
          'a',
          {
            href: href({ view: 'session', sessionId, tab: t }),
            class: t === tab ? 'tab current' : 'tab',
            'aria-current': t === tab ? 'page' : undefined,
          },
          t === 'events' ? `${TAB_NAMES[t]} (${feed.count})` : TAB_NAMES[t],
        ),
      ),
    ),
    tab === 'conversation'
      ? [
          h(ConversationView, { items: feed.items, sessionId }),
          h(Composer, {
            api,
            sessionId,
            closed,
            onSent: feed.prompted,
          }),
        ]
      : null,
    tab === 'workspace'
      ? h(WorkspaceView, { api, sessionId, checkpoints, at: treeAt, onAt: setTreeAt })
      : null,
    tab === 'changes'
      ? h(DiffView, { api, sessionId, checkpoints, range, onRange: setRange })
      : null,
    tab === 'checkpoints'
      ? h(CheckpointsView, {
          api,
          sessionId,
          checkpoints,
          onFiles: (checkpointId: string) => {
            setTreeAt(checkpointId);
            open('workspace');
          },
          onChanges: (from: string, to: string) => {
            setRange({ from, to });
            open('changes');
          },
        })
      : null,
    tab === 'events' ? h(EventLog, { events: feed.events, count: feed.count }) : null,
  ]);
}

/** Whether the events are live; the console reconnects by itself after a drop. */
function FeedIndicator({ state }: { state: FeedState }): ComponentChild {
  const [label, kind] = describe(state);
  return h('span', { class: `feed feed-${kind}`, role: 'status' }, label);
}

function describe(state: FeedState): [string, string] {
  switch (state.kind) {
    case 'connecting':
      return ['connecting…', 'wait'];
    case 'live':
      return [state.reconnects > 0 ? `live (reconnected ${state.reconnects}×)` : 'live', 'live'];
    case 'reconnecting':
      return [`reconnecting in ${Math.ceil(state.inMs / 1000)} s…`, 'wait'];
    case 'paused':
      return ['paused while the tab is hidden', 'wait'];
    case 'ended':
      return ['ended', 'ended'];
    case 'failed':
      return [state.reason, 'failed'];
  }
}
