export { MessagesStub, startMessagesStub, type MessagesStubOptions } from './messages-stub';
export { classifyRequest } from './classify';
export {
  claudeBinaryPath,
  OFFLINE_CLI_ENV,
  offlineCliEnv,
  type OfflineCliEnvOptions,
} from './cli-env';
export {
  makeCliSandbox,
  runClaude,
  userLine,
  type ClaudeRun,
  type CliSandbox,
  type RunClaudeOptions,
} from './run-claude';
export type {
  ApiMessage,
  MessagesRequestBody,
  RecordedRequest,
  StubApiError,
  StubBlock,
  StubReply,
  StubReplySource,
  StubRequestKind,
  StubTextBlock,
  StubThinkingBlock,
  StubToolUseBlock,
  StubUsage,
} from './types';
