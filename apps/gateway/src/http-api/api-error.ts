import { z } from 'zod';
import type { QuotaUse } from '@app/contracts';
import { clip, describeIssues, MAX_ECHO_CHARS } from '../mcp/argument-issues';

/** One zod issue as the API shows it: where in the request, and what is wrong. */
export interface ApiIssue {
  path: Array<string | number>;
  message: string;
}

/**
 * Every refusal of /api/v1, answered as `{ error: { code, message } }`: `code` is the typed
 * error's name (SessionNotFound, QuotaExceeded...), the same errors the MCP tools answer with,
 * and `message` says what to do.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: {
      headers?: Record<string, string>;
      issues?: ApiIssue[];
      quota?: QuotaUse;
    } = {},
  ) {
    super(message);
  }

  get body(): ApiErrorBody {
    const { issues, quota } = this.extra;
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(issues ? { issues } : {}),
        ...(quota ? { quota } : {}),
      },
    };
  }
}

/** Issues listed in one answer: the message already names the first ten, bounded. */
const MAX_ISSUES = 20;

/** A request that does not match the tool's input schema: 400 with the issues. */
export function invalidArguments(where: string, error: z.ZodError): ApiError {
  return new ApiError(400, 'InvalidArguments', `Invalid ${where}: ${describeIssues(error)}`, {
    issues: error.issues.slice(0, MAX_ISSUES).map((issue) => ({
      path: issue.path.map((p) => (typeof p === 'number' ? p : clip(String(p), MAX_ECHO_CHARS))),
      message: clip(issue.message, MAX_ECHO_CHARS),
    })),
  });
}

/** The error body, also advertised in the OpenAPI document. */
export const ApiErrorSchema = z.object({
  error: z.object({
    code: z
      .string()
      .describe(
        'What went wrong, by the name of the typed error: InvalidArguments, Unauthorized, ' +
          'SessionNotFound, CheckpointNotFound, QuotaExceeded, BudgetExceeded, SessionClosed, ' +
          'ApprovalAlreadyAnswered, InvalidRequest...',
      ),
    message: z.string().describe('What went wrong and what to do.'),
    issues: z
      .array(
        z.object({
          path: z.array(z.union([z.string(), z.number()])),
          message: z.string(),
        }),
      )
      .optional()
      .describe('With InvalidArguments: each input that does not fit the schema.'),
    quota: z
      .object({
        quota: z.string(),
        tenant: z.string(),
        limit: z.number(),
        used: z.number().optional(),
        retryAfterSeconds: z.number().optional(),
      })
      .optional()
      .describe('With QuotaExceeded: the quota, its limit and your use.'),
  }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorSchema>;
