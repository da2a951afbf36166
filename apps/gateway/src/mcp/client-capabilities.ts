import { z } from 'zod';
import type { ServerContext } from '@modelcontextprotocol/server';

/** The 2026-07-28 tasks extension, as clients declare it and servers advertise it. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/** The client capabilities a 2026-07-28 request carries in its `_meta` envelope (what is read here). */
const Envelope = z.looseObject({
  'io.modelcontextprotocol/clientCapabilities': z
    .looseObject({
      extensions: z.record(z.string(), z.unknown()).optional(),
      elicitation: z
        .looseObject({ form: z.unknown().optional(), url: z.unknown().optional() })
        .optional(),
    })
    .optional(),
});

function capabilitiesOf(ctx: Pick<ServerContext, 'mcpReq'>) {
  const parsed = Envelope.safeParse(ctx.mcpReq.envelope ?? {});
  return parsed.success ? parsed.data['io.modelcontextprotocol/clientCapabilities'] : undefined;
}

/** Whether the request declared the tasks extension (only then may it be answered with a task). */
export function declaresTasks(ctx: Pick<ServerContext, 'mcpReq'>): boolean {
  return capabilitiesOf(ctx)?.extensions?.[TASKS_EXTENSION] !== undefined;
}

/**
 * Whether the request's client can answer a form elicitation (an input-required round, a task's
 * input request): `elicitation: {}` means form, as before modes; a URL-only client cannot.
 */
export function elicitsForms(ctx: Pick<ServerContext, 'mcpReq'>): boolean {
  const elicitation = capabilitiesOf(ctx)?.elicitation;
  return (
    elicitation !== undefined && (elicitation.form !== undefined || elicitation.url === undefined)
  );
}
