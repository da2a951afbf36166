import { WebhookUrlRefused } from './errors';
import { checkWebhookAddress, parseWebhookUrl } from './url-policy';

const refusal = async (url: string, allowed: string[]): Promise<WebhookUrlRefused> => {
  try {
    await checkWebhookAddress(parseWebhookUrl(url, allowed));
  } catch (error) {
    if (error instanceof WebhookUrlRefused) return error;
    throw error;
  }
  throw new Error(`${url} was allowed`);
};

describe('webhook URL policy (as for git seeds)', () => {
  it('admits public https URLs by default and nothing else', async () => {
    await expect(
      checkWebhookAddress(parseWebhookUrl('https://93.184.215.14/h', ['https://'])),
    ).resolves.toBeUndefined();
    expect((await refusal('http://93.184.215.14/h', ['https://'])).reason).toBe('url_not_allowed');
    expect((await refusal('ftp://example.com/', ['ftp://'])).message).toMatch(
      /https \(or http\) only/,
    );
    expect((await refusal('https://u:p@example.com/', ['https://'])).message).toMatch(
      /credentials/,
    );
    expect((await refusal('not a url', ['https://'])).reason).toBe('url_not_allowed');
  });

  it.each([
    'https://127.0.0.1/h',
    'https://10.1.2.3/h',
    'https://169.254.169.254/latest',
    'https://[::1]/h',
    'https://[::ffff:192.168.0.1]/h',
    'https://localhost/h',
  ])('refuses %s, a private address, naming the variable that allows it', async (url) => {
    const refused = await refusal(url, ['https://']);
    expect(refused.reason).toBe('private_address');
    expect(refused.message).toMatch(/loopback, private or link-local.*WEBHOOK_ALLOWED_URLS/);
  });

  it('admits a private host that a prefix names, and only that host and port', async () => {
    const allowed = ['https://', 'http://127.0.0.1:8080/'];
    const named = parseWebhookUrl('http://127.0.0.1:8080/hooks', allowed);
    expect(named.hostNamed).toBe(true);
    await expect(checkWebhookAddress(named)).resolves.toBeUndefined();
    expect((await refusal('http://127.0.0.1:8081/hooks', allowed)).reason).toBe('url_not_allowed');
    expect((await refusal('https://127.0.0.1:8080/hooks', allowed)).reason).toBe('private_address');
  });
});
