import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import * as sdkTypes from '@modelcontextprotocol/sdk/types.js';
import { installSdkFastPaths } from './sdk-fast-paths';

const predicates = ['isJSONRPCResultResponse', 'isJSONRPCErrorResponse', 'isJSONRPCResponse'];
const byName = (name: string) =>
  (sdkTypes as unknown as Record<string, (value: unknown) => boolean>)[name];

/** Messages of every kind, valid and not: the fast path must answer as the SDK's schema does. */
const MESSAGES: unknown[] = [
  { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 2 } },
  { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x' } },
  { jsonrpc: '2.0', id: 'a', result: {} },
  { jsonrpc: '2.0', id: 2, result: { content: [] } },
  { jsonrpc: '2.0', id: 3, error: { code: -32600, message: 'bad' } },
  { jsonrpc: '2.0', error: { code: -32700, message: 'parse error' } },
  { jsonrpc: '2.0', id: 4, result: 'not an object' },
  { jsonrpc: '2.0', id: 5, error: { code: 'x', message: 1 } },
  { jsonrpc: '1.0', id: 6, result: {} },
  { jsonrpc: '2.0', id: 7, result: undefined },
  { id: 8 },
  {},
  null,
  'text',
  42,
  [],
];

describe('installSdkFastPaths', () => {
  const originals = Object.fromEntries(predicates.map((name) => [name, byName(name)]));

  it("spares the SDK transport's schema parses for a notification, not for a response", async () => {
    expect(installSdkFastPaths()).toBe(true);
    for (const name of predicates) expect(byName(name)).not.toBe(originals[name]);
    const parse = jest.spyOn(sdkTypes.JSONRPCResultResponseSchema, 'safeParse');
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
    });
    await transport.send({ jsonrpc: '2.0', method: 'notifications/message', params: {} });
    expect(parse).not.toHaveBeenCalled();
    // A response still gets the SDK's own check (and, with no request to answer, its error).
    await expect(transport.send({ jsonrpc: '2.0', id: 1, result: {} })).rejects.toThrow(
      'No connection established for request ID: 1',
    );
    expect(parse).toHaveBeenCalled();
    parse.mockRestore();
  });

  it('answers exactly as the SDK schemas do, for every kind of message', () => {
    installSdkFastPaths();
    for (const name of predicates) {
      for (const message of MESSAGES) {
        expect([name, message, byName(name)(message)]).toEqual([
          name,
          message,
          originals[name](message),
        ]);
      }
    }
  });

  it('installs once however often it is called', () => {
    installSdkFastPaths();
    const first = byName('isJSONRPCErrorResponse');
    installSdkFastPaths();
    expect(byName('isJSONRPCErrorResponse')).toBe(first);
  });
});
