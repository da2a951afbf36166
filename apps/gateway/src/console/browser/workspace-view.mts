import { h, type ComponentChild } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from './api-client.mts';
import type { Checkpoint, WorkspaceFile, WorkspaceTree } from './api-types.mts';
import { bytes } from './format.mts';
import { CheckpointSelect } from './checkpoint-select.mts';

/** The workspace as of a checkpoint (default: the latest): its tree, and one file as text. */
export function WorkspaceView(props: {
  api: ApiClient;
  sessionId: string;
  checkpoints: readonly Checkpoint[];
  at: string;
  onAt: (checkpointId: string) => void;
}): ComponentChild {
  const { api, sessionId, at } = props;
  const [tree, setTree] = useState<WorkspaceTree>();
  const [file, setFile] = useState<WorkspaceFile>();
  const [error, setError] = useState<string>();
  const latest = props.checkpoints.at(-1)?.checkpointId;

  useEffect(() => {
    setFile(undefined);
    setError(undefined);
    api.tree(sessionId, at || undefined).then(setTree, (f: unknown) => setError(message(f)));
  }, [api, sessionId, at, latest]);

  const open = (path: string) => {
    setError(undefined);
    api
      .file(sessionId, path, tree?.checkpointId)
      .then(setFile, (f: unknown) => setError(message(f)));
  };

  return h('section', { class: 'workspace' }, [
    h('div', { class: 'toolbar' }, [
      h(CheckpointSelect, {
        label: 'As of',
        name: 'treeAt',
        checkpoints: props.checkpoints,
        first: { value: '', label: 'the latest checkpoint' },
        value: at,
        onChange: props.onAt,
      }),
    ]),
    error ? h('p', { class: 'error', role: 'alert' }, error) : null,
    tree
      ? h('div', { class: 'split' }, [
          h('ul', { class: 'tree' }, [
            ...tree.entries.map((entry) =>
              h('li', { class: `entry entry-${entry.type}` }, [
                entry.type === 'file'
                  ? h(
                      'button',
                      {
                        type: 'button',
                        class: file?.path === entry.path ? 'link current' : 'link',
                        'data-path': entry.path,
                        onClick: () => open(entry.path),
                      },
                      entry.path,
                    )
                  : h(
                      'span',
                      {},
                      entry.type === 'dir'
                        ? `${entry.path}/`
                        : `${entry.path} → ${entry.target ?? '?'}`,
                    ),
                entry.type === 'file'
                  ? h('span', { class: 'muted small' }, ` ${bytes(entry.size)}`)
                  : null,
              ]),
            ),
            tree.entries.length === 0
              ? h('li', { class: 'muted' }, 'The workspace is empty.')
              : null,
            tree.truncated ? h('li', { class: 'muted' }, 'More entries than shown.') : null,
          ]),
          file
            ? h(FileView, { file })
            : h('p', { class: 'muted file-hint' }, 'Choose a file to read it.'),
        ])
      : error
        ? null
        : h('p', { class: 'muted' }, 'Loading…'),
  ]);
}

function FileView({ file }: { file: WorkspaceFile }): ComponentChild {
  const shown = file.encoding === 'utf8' ? new TextEncoder().encode(file.content).length : 0;
  return h('article', { class: 'file' }, [
    h('h3', { class: 'mono' }, file.path),
    file.encoding === 'utf8'
      ? [
          h('pre', { class: 'file-content' }, file.content),
          shown < file.size
            ? h('p', { class: 'muted small' }, `First ${bytes(shown)} of ${bytes(file.size)}.`)
            : null,
        ]
      : h('p', { class: 'muted' }, `A binary file of ${bytes(file.size)}: not shown.`),
  ]);
}

function message(failure: unknown): string {
  return failure instanceof Error ? failure.message : String(failure);
}
