/**
 * The GitHub workflows do what CONTRIBUTING.md says: CI runs `.ci/run` on pushes and pull requests, and the
 * release workflow versions and publishes with changesets, with npm provenance. The workflows are read
 * with the small block-YAML reader below (the subset they use), so the check needs no YAML dependency.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

type Yaml = string | boolean | null | Yaml[] | { [key: string]: Yaml };
type YamlMap = { [key: string]: Yaml };

interface Line {
  indent: number;
  text: string;
  number: number;
}

/** Block mappings, block sequences, plain/quoted scalars, `[a, b]` lists and comments; nothing else. */
const parseBlockYaml = (source: string): Yaml => {
  const lines: Line[] = [];
  source.split('\n').forEach((raw, index) => {
    const text = stripComment(raw).trimEnd();
    if (text.trim() === '') return;
    if (/^\s*\t/.test(text)) throw new Error(`line ${index + 1}: tab indentation`);
    lines.push({
      indent: text.length - text.trimStart().length,
      text: text.trim(),
      number: index + 1,
    });
  });
  let position = 0;

  const parseBlock = (indent: number): Yaml => {
    const first = lines[position];
    if (!first || first.indent < indent) return null;
    return first.text === '-' || first.text.startsWith('- ')
      ? parseSequence(first.indent)
      : parseMapping(first.indent);
  };

  const parseSequence = (indent: number): Yaml[] => {
    const items: Yaml[] = [];
    for (let line = lines[position]; line && line.indent === indent; line = lines[position]) {
      if (line.text !== '-' && !line.text.startsWith('- ')) break;
      const rest = line.text.slice(1).trimStart();
      if (rest === '') {
        position += 1;
        items.push(parseBlock(indent + 1));
      } else if (/^[^'"[\s][^:]*:(\s|$)/.test(rest)) {
        // `- key: value` starts a mapping whose keys sit two columns in.
        lines[position] = { ...line, indent: indent + 2, text: rest };
        items.push(parseMapping(indent + 2));
      } else {
        position += 1;
        items.push(parseScalar(rest, line));
      }
    }
    return items;
  };

  const parseMapping = (indent: number): YamlMap => {
    const map: YamlMap = {};
    for (let line = lines[position]; line && line.indent === indent; line = lines[position]) {
      const match = /^([^'"[\s][^:]*|'[^']*'|"[^"]*"):(?:\s+(.*))?$/.exec(line.text);
      if (!match) throw new Error(`line ${line.number}: expected "key: value", got ${line.text}`);
      const key = unquote(match[1] ?? '');
      position += 1;
      const value = match[2];
      if (value !== undefined && value !== '') {
        map[key] = parseScalar(value, line);
        continue;
      }
      const next = lines[position];
      const nested =
        next &&
        (next.indent > indent ||
          (next.indent === indent && (next.text === '-' || next.text.startsWith('- '))));
      map[key] = nested ? parseBlock(next.indent) : null;
    }
    return map;
  };

  const value = parseBlock(0);
  const left = lines[position];
  if (left) throw new Error(`line ${left.number}: unexpected indentation`);
  return value;
};

const stripComment = (line: string): string => {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i];
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) {
      return line.slice(0, i);
    }
  }
  return line;
};

const unquote = (text: string): string => (/^(['"]).*\1$/.test(text) ? text.slice(1, -1) : text);

const parseScalar = (text: string, line: Line): Yaml => {
  if (/^[|>]/.test(text)) throw new Error(`line ${line.number}: block scalars are not supported`);
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) throw new Error(`line ${line.number}: unclosed [`);
    const inner = text.slice(1, -1).trim();
    return inner === '' ? [] : inner.split(',').map((item) => unquote(item.trim()));
  }
  if (text === 'true' || text === 'false') return text === 'true';
  return unquote(text);
};

const root = fileURLToPath(new URL('..', import.meta.url));
const readWorkflow = (name: string): YamlMap => {
  const parsed = parseBlockYaml(readFileSync(join(root, '.github/workflows', name), 'utf8'));
  expect(parsed).toBeTypeOf('object');
  return parsed as YamlMap;
};
const asMap = (value: Yaml | undefined): YamlMap =>
  value && typeof value === 'object' && !Array.isArray(value) ? value : {};
const stepsOf = (workflow: YamlMap): YamlMap[] =>
  Object.values(asMap(workflow.jobs)).flatMap((job) => {
    const steps = asMap(job).steps;
    return Array.isArray(steps) ? steps.map(asMap) : [];
  });
const uses = (step: YamlMap, action: string): boolean =>
  typeof step.uses === 'string' && step.uses.startsWith(`${action}@`);

describe('the block-YAML reader', () => {
  it('reads mappings, sequences of mappings, lists, quotes and comments', () => {
    expect(
      parseBlockYaml(
        [
          'on:',
          '  push:',
          '    branches: [main, "next"]',
          '  pull_request:',
          'jobs: # the jobs',
          '  a:',
          '    steps:',
          '      - uses: x/y@v1',
          '        with:',
          "          title: 'a # b'",
          '      - run: bash .ci/run',
          '    flag: true',
        ].join('\n'),
      ),
    ).toEqual({
      on: { push: { branches: ['main', 'next'] }, pull_request: null },
      jobs: {
        a: {
          steps: [{ uses: 'x/y@v1', with: { title: 'a # b' } }, { run: 'bash .ci/run' }],
          flag: true,
        },
      },
    });
  });

  it('refuses what it does not read, naming the line', () => {
    expect(() => parseBlockYaml('a:\n  b: |\n    text')).toThrow(/line 2: block scalars/);
    expect(() => parseBlockYaml('a: 1\n  b: 2')).toThrow(/line 2/);
  });
});

describe('.github/workflows/ci.yml', () => {
  const workflow = readWorkflow('ci.yml');

  it('runs on pushes and pull requests', () => {
    expect(Object.keys(asMap(workflow.on))).toEqual(
      expect.arrayContaining(['push', 'pull_request']),
    );
  });

  it('runs .ci/run on ubuntu within 90 minutes, with the toolchain folder cached', () => {
    const jobs = Object.values(asMap(workflow.jobs)).map(asMap);
    expect(jobs).toHaveLength(1);
    const job = jobs[0] ?? {};
    expect(job['runs-on']).toMatch(/^ubuntu-/);
    expect(job['timeout-minutes']).toBe('90');
    const steps = stepsOf(workflow);
    expect(steps.some((step) => step.run === 'bash .ci/run')).toBe(true);
    const cache = steps.find((step) => uses(step, 'actions/cache'));
    expect(asMap(cache?.with).path).toBe('~/.cache/restate-agents-toolchain');
    // The folder .ci/run installs into when nothing overrides it.
    expect(readFileSync(join(root, '.ci/run'), 'utf8')).toContain(
      '$HOME/.cache}/restate-agents-toolchain',
    );
  });
});

describe('.github/workflows/release.yml', () => {
  const workflow = readWorkflow('release.yml');
  const steps = stepsOf(workflow);
  const changesets = steps.find((step) => uses(step, 'changesets/action'));

  it('runs on pushes to main', () => {
    expect(asMap(asMap(workflow.on).push).branches).toEqual(['main']);
  });

  it('opens a "Version packages" pull request with changesets, then publishes with pnpm release', () => {
    expect(changesets).toBeDefined();
    const inputs = asMap(changesets?.with);
    expect(inputs.title).toBe('Version packages');
    expect(inputs.version).toBe('pnpm version-packages');
    expect(inputs.publish).toBe('pnpm release');
    const scripts = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(scripts['version-packages']).toBe('changeset version');
    expect(scripts.release).toMatch(/&& changeset publish$/);
  });

  it('publishes with npm provenance', () => {
    expect(asMap(workflow.permissions)['id-token']).toBe('write');
    expect(asMap(changesets?.env).NPM_CONFIG_PROVENANCE).toBe(true);
  });

  it('uses the toolchain .ci/run bootstraps, installed from the lockfile', () => {
    const runs = steps.map((step) => step.run);
    expect(runs).toContain('bash .ci/run --toolchain-only');
    expect(runs).toContain('pnpm install --frozen-lockfile');
  });
});
