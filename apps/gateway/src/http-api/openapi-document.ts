import { z } from 'zod';
import { SessionEventSchema } from '@app/contracts';
import { ApiErrorSchema } from './api-error';
import type { ApiRouter, BoundRoute, EventsRoute } from './api-router';
import { API_PREFIX, OPENAPI_PATH } from './api-routes';
import {
  ERROR_RESPONSES,
  errorResponses,
  EVENTS_DESCRIPTION,
  OPERATION_DESCRIPTIONS,
} from './openapi-texts';
import { OPERATOR_ACCESS, OPERATOR_TENANT_PARAMETER } from './operator-texts';

type JsonSchema = Record<string, unknown> & {
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
};
type Operation = Record<string, unknown>;

/**
 * The OpenAPI 3.1 document of /api/v1, generated from the route table and the zod schemas of
 * the tools that serve it (JSON Schema 2020-12, OpenAPI 3.1's own dialect): what the router
 * validates is what the document says.
 */
export function openApiDocument(router: ApiRouter): Record<string, unknown> {
  const paths: Record<string, Record<string, Operation>> = {};
  const add = (path: string, method: string, operation: Operation) => {
    (paths[path] ??= {})[method.toLowerCase()] = operation;
  };
  for (const bound of router.tools) add(bound.route.path, bound.route.method, toolOperation(bound));
  if (router.events) add(router.events.route.path, 'GET', eventsOperation(router.events));
  add(OPENAPI_PATH, 'GET', documentOperation());
  return {
    openapi: '3.1.0',
    info: {
      title: 'Claude session backend: HTTP API',
      version: '1',
      description:
        'REST beside MCP for non-MCP clients: the same sessions, the same bearer keys and ' +
        'tenant isolation (another tenant’s ids answer 404), the same validation and errors. ' +
        'Each operation is served by the MCP tool it names, with the same input and result.\n\n' +
        OPERATOR_ACCESS,
    },
    servers: [{ url: API_PREFIX }],
    security: [{ bearerAuth: [] }],
    tags: [
      { name: 'sessions' },
      { name: 'approvals' },
      { name: 'checkpoints' },
      { name: 'workspace' },
      { name: 'events' },
      { name: 'usage' },
      { name: 'webhooks' },
      { name: 'meta' },
    ],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A tenant key (MCP_API_KEYS), in the Authorization header only: never in the URL.',
        },
      },
      schemas: {
        Error: jsonSchema(ApiErrorSchema, 'output'),
        SessionEvent: jsonSchema(SessionEventSchema, 'output'),
      },
      responses: Object.fromEntries(
        Object.entries(ERROR_RESPONSES).map(([name, response]) => [
          name,
          {
            description: response.description,
            ...('headers' in response ? { headers: response.headers } : {}),
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        ]),
      ),
    },
  };
}

function toolOperation({ route, tool, binding }: BoundRoute): Operation {
  const result = {
    content: {
      'application/json': {
        schema: tool.output ? jsonSchema(tool.output, 'output') : { type: 'object' },
      },
    },
  };
  const responses: Record<string, unknown> = {
    [route.status]: {
      description: route.status === 201 ? 'Created.' : 'Done.',
      ...(route.location
        ? { headers: { Location: { description: 'The new session.', schema: { type: 'string' } } } }
        : {}),
      ...result,
    },
    ...(route.queued
      ? { [route.queued]: { description: 'Queued (not waited for).', ...result } }
      : {}),
    ...errorResponses({
      session: binding.pathKeys.includes('sessionId'),
      body: binding.source === 'body',
      conflicts: route.conflicts === true,
      spends: route.spends === true,
    }),
  };
  const body = jsonSchema(binding.rest, 'input');
  const hasBody = binding.source === 'body' && Object.keys(body.properties ?? {}).length > 0;
  return {
    operationId: route.operationId,
    summary: route.summary,
    description:
      `${OPERATION_DESCRIPTIONS[route.operationId] ?? tool.description}\n\n` +
      `Served by the MCP tool \`${tool.name}\`: same input, same result.`,
    tags: [route.tag],
    parameters: parametersOf(binding.pathSchema, 'path')
      .concat(binding.source === 'query' ? parametersOf(binding.rest, 'query') : [])
      .concat(route.tool === 'session_list' ? [OPERATOR_TENANT_PARAMETER] : []),
    ...(hasBody
      ? {
          requestBody: {
            required: (body.required ?? []).length > 0,
            content: { 'application/json': { schema: body } },
          },
        }
      : {}),
    responses,
  };
}

function eventsOperation({ route, binding }: EventsRoute): Operation {
  const [after] = parametersOf(binding.rest, 'query');
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: EVENTS_DESCRIPTION,
    tags: [route.tag],
    parameters: [
      ...parametersOf(binding.pathSchema, 'path'),
      after,
      {
        name: 'Last-Event-ID',
        in: 'header',
        required: false,
        description:
          'The id of the last event received: the stream goes on after it (EventSource sends ' +
          'it when it reconnects). Wins over `after`.',
        schema: after?.schema,
      },
    ],
    responses: {
      200: {
        description:
          'The stream: each event as `id: <event id>` and `data: <SessionEvent JSON>`, ' +
          'heartbeats as comments, `event: end` when the session has ended.',
        content: {
          'text/event-stream': {
            schema: { type: 'string', description: 'SessionEvent objects, one per SSE message.' },
          },
        },
      },
      204: { description: 'The session has ended and nothing is left after the cursor.' },
      ...errorResponses({ session: true, body: false, conflicts: false, spends: false }),
    },
  };
}

function documentOperation(): Operation {
  return {
    operationId: 'openapi_document',
    summary: 'This document (no key needed)',
    tags: ['meta'],
    security: [],
    responses: {
      200: {
        description: 'The OpenAPI 3.1 document.',
        content: { 'application/json': { schema: { type: 'object' } } },
      },
    },
  };
}

function parametersOf(schema: z.ZodObject, where: 'path' | 'query'): Operation[] {
  const json = jsonSchema(schema, 'input');
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    ...(property.description ? { description: property.description } : {}),
    schema: property,
  }));
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}
