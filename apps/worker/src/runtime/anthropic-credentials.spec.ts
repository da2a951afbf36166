import { loadConfig } from '@app/config';
import { missingCredentials } from './anthropic-credentials';

describe('missingCredentials', () => {
  it('names ANTHROPIC_API_KEY when the CLI would get no credentials', () => {
    expect(missingCredentials(loadConfig({}).claude)).toMatch(
      /^no Anthropic credentials: ANTHROPIC_API_KEY is unset.*Set ANTHROPIC_API_KEY/,
    );
    // A base URL alone is not a credential: the CLI still answers "Not logged in".
    expect(
      missingCredentials(loadConfig({ ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' }).claude),
    ).toBeDefined();
  });

  it('is quiet with an API key, or another credential passed through to the CLI', () => {
    expect(
      missingCredentials(loadConfig({ ANTHROPIC_API_KEY: 'sk-ant-x' }).claude),
    ).toBeUndefined();
    const passthrough = loadConfig({
      CLAUDE_ENV_PASSTHROUGH: 'ANTHROPIC_AUTH_TOKEN',
      ANTHROPIC_AUTH_TOKEN: 'token',
    });
    expect(missingCredentials(passthrough.claude)).toBeUndefined();
  });
});
