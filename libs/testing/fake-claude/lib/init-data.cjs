// @ts-check
'use strict';

// Static parts of `system/init` and of the `initialize` control response, copied from a real
// claude 2.1.331 recording against the Messages stub (test/fixtures/cli/text.jsonl, offline env).
// Kept verbatim so line sizes match what consumers see in production (init is ~2.5 kB).

const VERSION = '2.1.331';

const TOOLS = [
  'Task',
  'Bash',
  'CronCreate',
  'CronDelete',
  'CronList',
  'Edit',
  'EnterWorktree',
  'ExitWorktree',
  'ListAgents',
  'Monitor',
  'NotebookEdit',
  'Read',
  'ReportFindings',
  'ScheduleWakeup',
  'SendMessage',
  'Skill',
  'TaskStop',
  'ToolSearch',
  'WebFetch',
  'WebSearch',
  'Workflow',
  'Write',
];

const SLASH_COMMANDS = [
  'deep-research',
  'dataviz',
  'update-config',
  'verify',
  'debug',
  'code-review',
  'simplify',
  'batch',
  'fewer-permission-prompts',
  'doctor',
  'loop',
  'claude-api',
  'workflow-authoring',
  'run',
  'run-skill-generator',
  'plugin-authoring',
  'agents',
  'auto-mode-setup',
  'autocompact',
  'clear',
  'color',
  'compact',
  'config',
  'output-style',
  'context',
  'effort',
  'fast',
  'focus',
  'heapdump',
  'init',
  'mcp',
  'model',
  '__remote-workflow',
  'workflow-launch-exec',
  'reload-plugins',
  'reload-skills',
  'rename',
  'security-review',
  'usage',
  'insights',
  'recap',
  'goal',
  'list-agents',
  'team-onboarding',
];

const TERMINAL_SLASH_COMMANDS = ['doctor', 'color', 'focus', 'reload-plugins'];

const AGENTS = ['claude', 'Explore', 'general-purpose', 'Plan', 'statusline-setup'];

const SKILLS = [
  'deep-research',
  'dataviz',
  'update-config',
  'verify',
  'debug',
  'code-review',
  'simplify',
  'batch',
  'fewer-permission-prompts',
  'doctor',
  'loop',
  'claude-api',
  'workflow-authoring',
  'run',
  'run-skill-generator',
  'plugin-authoring',
];

const PLUGINS = [
  { name: 'cc-plugin-agents-md', path: 'builtin', source: 'cc-plugin-agents-md@builtin' },
  { name: 'cc-plugin-privacy', path: 'builtin', source: 'cc-plugin-privacy@builtin' },
  {
    name: 'cc-plugin-plugin-authoring',
    path: 'builtin',
    source: 'cc-plugin-plugin-authoring@builtin',
  },
];

const CAPABILITIES = [
  'interrupt_receipt_v1',
  'interrupt_cancel_queued_v1',
  'interrupt_send_now_v1',
  'interrupt_requeue_taken_v1',
  'msg_lifecycle_v1',
  'request_marker_lists_v1',
  'ask_user_question_unanswered_v1',
  'lifecycle_wakeup_source_v1',
  'sdk_mcp_tools_list_changed',
  'sdk_mcp_manifests',
  'mcp_read_resource_v1',
  'mcp_tool_ui_meta_v1',
  'ui_surface_v1',
  'mcp_call_result_not_for_model_v1',
  'mcp_call_soft_error_result_v1',
  'mcp_call_check_permissions_v1',
  'voice_call_talk_line_v1',
  'withdrawn_files_note_v2',
  'withdrawn_tools_v1',
  'ui_pane_widget_v1',
  'reload_plugins_refuse_if_busy_v1',
  'get_usage_detached_v1',
  'silent_resend_files_v1',
];

module.exports = {
  VERSION,
  TOOLS,
  SLASH_COMMANDS,
  TERMINAL_SLASH_COMMANDS,
  AGENTS,
  SKILLS,
  PLUGINS,
  CAPABILITIES,
};
