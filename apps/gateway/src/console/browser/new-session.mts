import { h, type ComponentChild } from 'preact';
import { useState } from 'preact/hooks';
import type { ApiClient } from './api-client.mts';
import type { StartRequest, WorkspaceSeed } from './api-types.mts';
import { shortId } from './format.mts';
import { rememberPrompt } from './prompts.mts';
import { filesSeed } from './seed-files.mts';

type SeedKind = 'none' | 'files' | 'git';

/**
 * Starts a session: a prompt, how tool calls are approved, and what it starts on: nothing,
 * files chosen here, a git repository, or (forking) a checkpoint's transcript and workspace.
 */
export function NewSession(props: {
  api: ApiClient;
  checkpointId?: string;
  onStarted: (sessionId: string) => void;
  onCancel: () => void;
}): ComponentChild {
  const [prompt, setPrompt] = useState('');
  const [permissions, setPermissions] = useState<'ask' | 'preapproved'>('ask');
  const [allowedTools, setAllowedTools] = useState('');
  const [model, setModel] = useState('');
  const [seedKind, setSeedKind] = useState<SeedKind>('none');
  const [files, setFiles] = useState<File[]>([]);
  const [gitUrl, setGitUrl] = useState('');
  const [gitRef, setGitRef] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const forking = props.checkpointId !== undefined;

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!prompt.trim()) return;
    setBusy(true);
    setError(undefined);
    try {
      const request: StartRequest = { prompt, permissions };
      const tools = allowedTools
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      if (tools.length > 0) request.allowedTools = tools;
      if (model.trim()) request.model = model.trim();
      if (props.checkpointId) request.checkpointId = props.checkpointId;
      else {
        const seed = await seedOf(seedKind, files, gitUrl, gitRef);
        if (seed) request.workspace = seed;
      }
      const started = await props.api.start(request);
      rememberPrompt(started.sessionId, 1, prompt);
      props.onStarted(started.sessionId);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };

  const chosen = (e: Event) => setFiles([...((e.currentTarget as HTMLInputElement).files ?? [])]);
  return h('form', { class: 'card new-session', onSubmit: submit }, [
    h('h2', {}, forking ? `Fork checkpoint ${shortId(props.checkpointId ?? '')}` : 'New session'),
    h('label', { for: 'prompt' }, forking ? 'First message of the fork' : 'Prompt'),
    h('textarea', {
      id: 'prompt',
      name: 'prompt',
      rows: 4,
      required: true,
      value: prompt,
      onInput: (e: Event) => setPrompt((e.currentTarget as HTMLTextAreaElement).value),
    }),
    h('div', { class: 'row' }, [
      field(
        'Tool calls',
        h(
          'select',
          {
            name: 'permissions',
            value: permissions,
            onChange: (e: Event) =>
              setPermissions((e.currentTarget as HTMLSelectElement).value as 'ask' | 'preapproved'),
          },
          [
            h('option', { value: 'ask' }, 'ask me'),
            h('option', { value: 'preapproved' }, 'allowed tools only'),
          ],
        ),
      ),
      field(
        'Allowed tools',
        h('input', {
          name: 'allowedTools',
          placeholder: 'e.g. Read, Bash(git log:*)',
          value: allowedTools,
          onInput: (e: Event) => setAllowedTools((e.currentTarget as HTMLInputElement).value),
        }),
      ),
      field(
        'Model',
        h('input', {
          name: 'model',
          placeholder: 'the CLI’s default',
          value: model,
          onInput: (e: Event) => setModel((e.currentTarget as HTMLInputElement).value),
        }),
      ),
    ]),
    forking
      ? h(
          'p',
          { class: 'muted small' },
          'The fork starts from the checkpoint’s transcript and workspace.',
        )
      : h('fieldset', { class: 'seed' }, [
          h('legend', {}, 'Workspace'),
          ...(['none', 'files', 'git'] as const).map((kind) =>
            h('label', { class: 'inline' }, [
              h('input', {
                type: 'radio',
                name: 'seed',
                value: kind,
                checked: seedKind === kind,
                onChange: () => setSeedKind(kind),
              }),
              { none: ' empty', files: ' files from here', git: ' git repository' }[kind],
            ]),
          ),
          seedKind === 'files'
            ? h('div', { class: 'row' }, [
                field(
                  'Files',
                  h('input', { type: 'file', name: 'files', multiple: true, onChange: chosen }),
                ),
                field(
                  'or a folder',
                  h('input', {
                    type: 'file',
                    name: 'folder',
                    webkitdirectory: true,
                    onChange: chosen,
                  }),
                ),
              ])
            : null,
          seedKind === 'git'
            ? h('div', { class: 'row' }, [
                field(
                  'Repository URL',
                  h('input', {
                    name: 'gitUrl',
                    type: 'url',
                    value: gitUrl,
                    onInput: (e: Event) => setGitUrl((e.currentTarget as HTMLInputElement).value),
                  }),
                ),
                field(
                  'Ref',
                  h('input', {
                    name: 'gitRef',
                    placeholder: 'HEAD',
                    value: gitRef,
                    onInput: (e: Event) => setGitRef((e.currentTarget as HTMLInputElement).value),
                  }),
                ),
              ])
            : null,
        ]),
    error ? h('p', { class: 'error', role: 'alert' }, error) : null,
    h('div', { class: 'actions' }, [
      h(
        'button',
        { type: 'submit', class: 'primary', disabled: busy },
        busy ? 'Starting…' : forking ? 'Fork' : 'Start',
      ),
      h('button', { type: 'button', onClick: props.onCancel }, 'Cancel'),
    ]),
  ]);
}

function field(label: string, control: ComponentChild): ComponentChild {
  return h('label', { class: 'field' }, [h('span', {}, label), control]);
}

async function seedOf(
  kind: SeedKind,
  files: File[],
  url: string,
  ref: string,
): Promise<WorkspaceSeed | undefined> {
  if (kind === 'files' && files.length > 0) return filesSeed(files);
  if (kind === 'git' && url.trim()) {
    return { git: ref.trim() ? { url: url.trim(), ref: ref.trim() } : { url: url.trim() } };
  }
  return undefined;
}
