import { loadConfig } from './app-config';
import { ConfigInvalid } from './errors';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('WEBHOOKS', () => {
  it('reads per-tenant webhooks, all events by default', () => {
    const config = loadConfig({
      WEBHOOKS: JSON.stringify({
        acme: { url: 'https://hooks.example.com/a', secret },
        beta: { url: 'https://hooks.example.com/b', secret, events: ['session.failed'] },
      }),
      WEBHOOK_ATTEMPTS: '3',
    });
    expect(config.webhooks).toMatchObject({
      allowedUrls: ['https://'],
      attempts: 3,
      backoffMs: 30_000,
      operator: {
        acme: {
          url: 'https://hooks.example.com/a',
          secret,
          events: expect.arrayContaining(['session.idle', 'session.recovered']),
        },
        beta: { events: ['session.failed'] },
      },
    });
    expect(loadConfig({}).webhooks.operator).toEqual({});
  });

  it.each([
    ['not JSON', '{"acme": '],
    [
      'a bad secret',
      JSON.stringify({ acme: { url: 'https://h.example.com/', secret: 'whsec_short' } }),
    ],
    [
      'an unknown event',
      JSON.stringify({
        acme: { url: 'https://h.example.com/', secret, events: ['session.running'] },
      }),
    ],
  ])('refuses %s, naming the variable and never the secret', (_, value) => {
    let error: unknown;
    try {
      loadConfig({ WEBHOOKS: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigInvalid);
    expect((error as Error).message).toMatch(/^Invalid configuration: WEBHOOKS: /);
    expect((error as Error).message).not.toContain(secret);
  });
});
