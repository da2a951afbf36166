import * as ajvProvider from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { buildServer } from './mcp-exchange';

/** The validator the SDK's Server was given (private in its types). */
const validatorOf = (server: McpServer) =>
  (server.server as unknown as { _jsonSchemaValidator: jsonSchemaValidator })._jsonSchemaValidator;

describe('buildServer', () => {
  it('builds no Ajv instance per server; the shared one is built on first use and works', () => {
    const Original = ajvProvider.AjvJsonSchemaValidator;
    const construct = jest
      .spyOn(ajvProvider, 'AjvJsonSchemaValidator')
      .mockImplementation(() => new Original());
    const servers = [1, 2, 3].map(() => buildServer([], { tenant: 't' }));
    expect(construct).not.toHaveBeenCalled();
    expect(new Set(servers.map(validatorOf)).size).toBe(1);

    const validate = validatorOf(servers[0]).getValidator<{ n: number }>({
      type: 'object',
      properties: { n: { type: 'number' } },
      required: ['n'],
    });
    expect(validate({ n: 1 }).valid).toBe(true);
    expect(validate({ n: 'x' })).toMatchObject({ valid: false, errorMessage: expect.any(String) });
    expect(construct).toHaveBeenCalledTimes(1);
    construct.mockRestore();
  });
});
