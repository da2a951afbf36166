/**
 * The client documentation keeps up with the gateway: every tool the gateway serves on /mcp has
 * its own section in docs/mcp-api.md (with its result and an example) and is named in
 * docs/contract.md, and the reference has no section for a tool that does not exist. The names
 * come from the toolset the gateway assembles, never from a copy. No server is started.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sessionExtensions } from '../../apps/gateway/src/sessions/sessions.module';

const root = join(__dirname, '..', '..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

/** The tools as the gateway registers them; their services are only touched when a tool runs. */
function registeredToolNames(): string[] {
  const { useFactory } = sessionExtensions.toolset;
  const services = Array.from({ length: useFactory.length }, () => ({}));
  const tools = useFactory(...(services as Parameters<typeof useFactory>));
  return tools.map((tool) => tool.name);
}

/** The `### \`name\`` sections under "## Tools", each with its text up to the next heading. */
function toolSections(markdown: string): Map<string, string> {
  const start = markdown.indexOf('\n## Tools\n');
  if (start < 0) throw new Error('docs/mcp-api.md has no "## Tools" section');
  const rest = markdown.slice(start + '\n## Tools\n'.length);
  const end = rest.search(/^## /m);
  const tools = end < 0 ? rest : rest.slice(0, end);
  const sections = new Map<string, string>();
  for (const part of tools.split(/^### /m).slice(1)) {
    const heading = /^`([a-z_]+)`\s*\n/.exec(part);
    if (!heading)
      throw new Error(`a section under "## Tools" is not a tool: ### ${part.slice(0, 40)}`);
    sections.set(heading[1], part);
  }
  return sections;
}

describe('the MCP client docs', () => {
  const names = registeredToolNames();
  const sections = toolSections(read('docs/mcp-api.md'));
  const contract = read('docs/contract.md');

  it('reads the tool names from the gateway', () => {
    // A toolset that came back empty would make every check below pass vacuously.
    expect(names).toEqual(expect.arrayContaining(['session_start', 'session_send']));
    expect(new Set(names).size).toBe(names.length);
  });

  it('has a section for every tool the gateway registers, with its result and an example', () => {
    const missing = names.filter((name) => !sections.has(name));
    expect({ missingFromMcpApiMd: missing }).toEqual({ missingFromMcpApiMd: [] });
    for (const name of names) {
      const section = sections.get(name) ?? '';
      expect({ tool: name, saysItsResult: /^Result: /m.test(section) }).toEqual({
        tool: name,
        saysItsResult: true,
      });
      expect({ tool: name, hasExample: section.includes('```json\n') }).toEqual({
        tool: name,
        hasExample: true,
      });
    }
  });

  it('documents no tool that the gateway does not serve', () => {
    const unknown = [...sections.keys()].filter((name) => !names.includes(name));
    expect({ notServedByTheGateway: unknown }).toEqual({ notServedByTheGateway: [] });
  });

  it('names every tool in docs/contract.md', () => {
    const missing = names.filter((name) => !contract.includes(`\`${name}\``));
    expect({ missingFromContractMd: missing }).toEqual({ missingFromContractMd: [] });
  });
});
