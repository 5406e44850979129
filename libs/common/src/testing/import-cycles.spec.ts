import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * No import cycles: a cycle hides which module comes first (Nest then needs
 * forwardRef or ModuleRef, and a half-initialised module reads as
 * undefined). Three rules:
 *  - apps/ and libs/: no cycle of value imports (`import type` is erased at
 *    build, so it cannot break start-up order);
 *  - apps/agent: no cycle of any import, `import type` included;
 *  - apps/agent: no cycle between its folders, so the data path reads one
 *    way (doors -> objects -> placement -> replicas -> peers / backend).
 * Relative imports and the `@mcos/*` path aliases are resolved; packages are
 * leaves.
 */
const ROOT = resolve(__dirname, '../../../..');
const AGENT = join(ROOT, 'apps/agent/src');
const ALIASES: Record<string, string> = {
  '@mcos/ring': 'libs/ring/src/index.ts',
  '@mcos/backends': 'libs/backends/src/index.ts',
  '@mcos/common': 'libs/common/src/index.ts',
};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function resolveImport(from: string, spec: string): string | undefined {
  if (spec in ALIASES) return join(ROOT, ALIASES[spec]);
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec.replace(/\.js$/, ''));
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  return undefined;
}

interface Edge {
  to: string;
  /** `import type`, `export type`, or every named binding marked `type`. */
  typeOnly: boolean;
}

/** The static imports and re-exports of one file. */
export function importsOf(file: string, text: string): Edge[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const edges: Edge[] = [];
  for (const statement of source.statements) {
    let spec: ts.Expression | undefined;
    let typeOnly = false;
    if (ts.isImportDeclaration(statement)) {
      spec = statement.moduleSpecifier;
      const clause = statement.importClause;
      const named = clause?.namedBindings;
      typeOnly =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name && !!named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly)));
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier) {
      spec = statement.moduleSpecifier;
      typeOnly = statement.isTypeOnly;
    }
    if (!spec || !ts.isStringLiteral(spec)) continue;
    const to = resolveImport(file, spec.text);
    if (to) edges.push({ to, typeOnly });
  }
  return edges;
}

/** file -> the files it imports (relative imports and aliases only). */
export function importGraph(files: string[], withTypes: boolean): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const edges = importsOf(file, readFileSync(file, 'utf8')).filter((e) => withTypes || !e.typeOnly);
    graph.set(file, [...new Set(edges.map((e) => e.to))]);
  }
  return graph;
}

/**
 * The same graph between the agent's top-level folders (a file at the top stays itself).
 * Specs are left out: nothing imports a spec, and a spec may use the shared harness in
 * `testing/`, which wires every folder; the rule is about the code a request runs through.
 */
function folderGraph(files: Map<string, string[]>): Map<string, string[]> {
  const folderOf = (file: string) => relative(AGENT, file).split('/')[0];
  const graph = new Map<string, string[]>();
  for (const [file, targets] of files) {
    if (file.endsWith('.spec.ts')) continue;
    const from = folderOf(file);
    const out = new Set(graph.get(from) ?? []);
    for (const t of targets) if (t.startsWith(`${AGENT}/`) && folderOf(t) !== from) out.add(folderOf(t));
    graph.set(from, [...out]);
  }
  return graph;
}

/**
 * One shortest cycle through each strongly connected component that has one
 * (Tarjan, then a BFS inside the component), with the component's members:
 * fixing that one cycle may leave others among them.
 */
export function findCycles(graph: Map<string, string[]>): { cycle: string[]; members: string[] }[] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component);
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);

  return components.map((component) => ({ cycle: shortestCycle(graph, component), members: [...component].sort() }));
}

function shortestCycle(graph: Map<string, string[]>, component: string[]): string[] {
  const inside = new Set(component);
  const start = [...component].sort()[0];
  const from = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(from.get(path[0])!);
        return [...path, start];
      }
      if (!from.has(w)) {
        from.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

const show = (found: { cycle: string[]; members: string[] }[], base?: string) => {
  const name = (f: string) => (base ? relative(base, f) : f);
  return found.map(({ cycle, members }) => `${cycle.map(name).join(' -> ')}   (cycles among: ${members.map(name).join(', ')})`);
};

describe('import cycles', () => {
  it('finds a cycle when there is one', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
      ['e', ['e']],
    ]);
    expect(findCycles(graph).map((c) => c.cycle)).toEqual(expect.arrayContaining([['a', 'b', 'c', 'a'], ['e', 'e']]));
    expect(findCycles(graph).map((c) => c.members)).toEqual(expect.arrayContaining([['a', 'b', 'c'], ['e']]));
    expect(findCycles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
  });

  it('resolves relative imports and the @mcos aliases, and tells type-only imports', () => {
    const self = join(ROOT, 'libs/common/src/testing/import-cycles.spec.ts');
    expect(resolveImport(self, '../api')).toBe(join(ROOT, 'libs/common/src/api/index.ts'));
    expect(resolveImport(self, '@mcos/ring')).toBe(join(ROOT, 'libs/ring/src/index.ts'));
    expect(resolveImport(self, 'typescript')).toBeUndefined();
    const text = [
      "import type { A } from '../api';",
      "import { type B, type C } from '../auth';",
      "import { type D, E } from '../errors';",
      "export { F } from '../names';",
      "import 'typescript';",
    ].join('\n');
    expect(importsOf(self, text).map((e) => [relative(ROOT, e.to), e.typeOnly])).toEqual([
      ['libs/common/src/api/index.ts', true],
      ['libs/common/src/auth/index.ts', true],
      ['libs/common/src/errors/index.ts', false],
      ['libs/common/src/names/index.ts', false],
    ]);
  });

  it('apps/ and libs/ have no cycle of value imports', () => {
    const graph = importGraph(['apps', 'libs'].flatMap((dir) => sourceFiles(join(ROOT, dir))), false);
    expect(graph.size).toBeGreaterThan(100);
    expect(show(findCycles(graph), ROOT)).toEqual([]);
  });

  it('apps/agent has no cycle of imports, type-only ones included', () => {
    const graph = importGraph(sourceFiles(AGENT), true);
    expect(show(findCycles(graph), ROOT)).toEqual([]);
  });

  it("apps/agent's folders import one another one way only", () => {
    const graph = folderGraph(importGraph(sourceFiles(AGENT), true));
    expect(graph.size).toBeGreaterThan(5);
    expect(show(findCycles(graph))).toEqual([]);
  });
});
