// A RunSource over `kubectl get pipelinerun,taskrun,pipeline,configmap -o yaml` output: a `List`,
// several `---` documents, or a single object (JSON works too: it is YAML). tekton.dev v1 and
// v1beta1 are both accepted. The yaml library is imported lazily to keep start-up fast.

import type { Alias, Document, LineCounter } from 'yaml';
import { InputError, NotFoundError } from './errors.js';
import type { ListOptions, RunSource } from './source.js';
import { matchesLabelSelector } from './source.js';
import type { ConfigMap, ObjectMeta, Pipeline, PipelineRun, TaskRun } from './types.js';
import { isRecord } from '../json/guards.js';

/** Kinds we keep; everything else in an export (Pods, Events…) is ignored. */
const KINDS = ['PipelineRun', 'TaskRun', 'Pipeline', 'Task', 'ConfigMap'] as const;
type Kind = (typeof KINDS)[number];

interface Stored {
  kind: Kind;
  obj: { metadata: ObjectMeta };
  line: number | undefined;
}

export interface FileSourceOptions {
  /** Namespace for objects without metadata.namespace and the default for lookups (-n). */
  namespace?: string;
}

export class FileSource implements RunSource {
  readonly defaultNamespace: string;
  private readonly objects: Stored[];

  private constructor(
    private readonly file: string,
    objects: Stored[],
    defaultNamespace: string,
  ) {
    this.objects = objects;
    this.defaultNamespace = defaultNamespace;
  }

  /** Reads a file, or standard input when `file` is "-". */
  static async fromFile(file: string, options: FileSourceOptions = {}): Promise<FileSource> {
    let text: string;
    if (file === '-') {
      text = await readStdin();
    } else {
      const { readFile } = await import('node:fs/promises');
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        const code = isRecord(err) && typeof err.code === 'string' ? err.code : undefined;
        throw new InputError(
          {
            file,
            message:
              code === 'ENOENT'
                ? 'no such file'
                : code === 'EISDIR'
                  ? 'is a directory'
                  : `cannot read: ${(err as Error).message}`,
            hint: 'create it with: kubectl get pipelinerun,taskrun,pipeline,configmap -o yaml > run.yaml',
          },
          { cause: err },
        );
      }
    }
    return FileSource.fromText(text, file === '-' ? 'stdin' : file, options);
  }

  /** Parses text already in memory; `name` is used in messages. */
  static async fromText(text: string, name: string, options: FileSourceOptions = {}): Promise<FileSource> {
    const objects: Stored[] = [];
    const json = parseJsonExport(text);
    if (json !== undefined) {
      // kubectl … -o json: read as JSON. The yaml library decodes double-quoted scalars (all of
      // JSON's strings) one character at a time, which cost 1.5 GB for a 40 MB result.
      collectJson(json, name, objects);
      return FileSource.finish(name, objects, options);
    }
    const YAML = await import('yaml');
    const lineCounter = new YAML.LineCounter();
    const docs = YAML.parseAllDocuments(text, { lineCounter, prettyErrors: true, uniqueKeys: false });
    const list: Document.Parsed[] = Array.isArray(docs) ? docs : [];
    list.forEach((doc, docIndex) => {
      const err = doc.errors[0];
      if (err) {
        const pos = err.linePos?.[0];
        throw new InputError({
          file: name,
          ...(pos ? { line: pos.line, column: pos.col } : {}),
          message: `invalid YAML: ${firstLine(err.message)}`,
          hint: 'the file should be the output of kubectl get … -o yaml',
        });
      }
      if (doc.contents === null) return; // empty document between separators
      const bad = badAlias(doc, YAML);
      if (bad) {
        const pos = lineCounter.linePos(bad.alias.range?.[0] ?? doc.contents.range[0]);
        throw new InputError({ file: name, line: pos.line, column: pos.col, ...badAliasText(bad) });
      }
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: 1000 });
      } catch (err) {
        // An alias bomb, or an alias without its anchor: yaml throws instead of reporting.
        const pos = lineCounter.linePos(doc.contents.range[0]);
        throw new InputError(
          {
            file: name,
            line: pos.line,
            column: pos.col,
            message: `invalid YAML: ${firstLine((err as Error).message)}`,
            hint: aliasErrorHint(err),
          },
          { cause: err },
        );
      }
      if (value === null || value === undefined) return; // e.g. a trailing "---"
      const line = startLine(doc, lineCounter);
      collect(value, name, line, docIndex, objects, doc, lineCounter);
    });
    return FileSource.finish(name, objects, options);
  }

  private static finish(name: string, objects: Stored[], options: FileSourceOptions): FileSource {
    // The runs' namespace, when they all share one (ConfigMaps from tekton-pipelines do not count).
    const namespaces = new Set(
      objects
        .filter((o) => o.kind === 'PipelineRun' || o.kind === 'TaskRun')
        .map((o) => o.obj.metadata.namespace)
        .filter((n): n is string => !!n),
    );
    const defaultNamespace =
      options.namespace ?? (namespaces.size === 1 ? [...namespaces][0] : undefined) ?? 'default';
    for (const o of objects) {
      if (!o.obj.metadata.namespace) o.obj.metadata.namespace = defaultNamespace;
    }
    return new FileSource(name, objects, defaultNamespace);
  }

  describe(): string {
    return this.file === 'stdin' ? 'standard input' : `file ${this.file}`;
  }

  /** How many objects of each kind were read (for messages and tests). */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const o of this.objects) out[o.kind] = (out[o.kind] ?? 0) + 1;
    return out;
  }

  /** The 1-based line where an object starts in the file, when known. */
  lineOf(obj: object): number | undefined {
    return this.objects.find((o) => o.obj === obj)?.line;
  }

  private find(kind: Kind, namespace: string, name: string): Stored | undefined {
    return this.objects.find(
      (o) => o.kind === kind && o.obj.metadata.name === name && o.obj.metadata.namespace === namespace,
    );
  }

  private all(kind: Kind, namespace: string, options?: ListOptions): Stored[] {
    let selectorError: Error | undefined;
    const out = this.objects.filter((o) => {
      if (o.kind !== kind || o.obj.metadata.namespace !== namespace) return false;
      if (!options?.labelSelector) return true;
      try {
        return matchesLabelSelector(o.obj.metadata.labels, options.labelSelector);
      } catch (err) {
        selectorError = err as Error;
        return false;
      }
    });
    if (selectorError) throw new InputError({ file: 'label selector', message: selectorError.message });
    return out;
  }

  private notFound(kind: Kind, namespace: string, name: string, extraHint?: string): NotFoundError {
    const present = this.objects
      .filter((o) => o.kind === kind)
      .map((o) => `${o.obj.metadata.namespace}/${o.obj.metadata.name}`);
    const listed =
      present.length > 0
        ? `the file has ${kind}s ${present.slice(0, 5).join(', ')}`
        : `the file has no ${kind}s`;
    return new NotFoundError({
      kind,
      namespace,
      name,
      tried: this.describe(),
      hint: `${listed}${present.length > 5 ? ', …' : ''}; ${extraHint ?? 'check the name and -n/--namespace'}`,
    });
  }

  async getPipelineRun(namespace: string, name: string): Promise<PipelineRun> {
    const o = this.find('PipelineRun', namespace, name);
    if (!o) throw this.notFound('PipelineRun', namespace, name);
    return o.obj;
  }

  async getTaskRun(namespace: string, name: string): Promise<TaskRun> {
    const o = this.find('TaskRun', namespace, name);
    if (!o) {
      throw this.notFound(
        'TaskRun',
        namespace,
        name,
        'export the TaskRuns too: kubectl get pipelinerun,taskrun,pipeline,configmap -o yaml',
      );
    }
    return o.obj;
  }

  async listTaskRuns(namespace: string, options?: ListOptions): Promise<TaskRun[]> {
    return this.all('TaskRun', namespace, options).map((o) => o.obj as TaskRun);
  }

  async listPipelineRuns(namespace: string, options?: ListOptions): Promise<PipelineRun[]> {
    return this.all('PipelineRun', namespace, options).map((o) => o.obj as PipelineRun);
  }

  async getPipeline(namespace: string, name: string): Promise<Pipeline | undefined> {
    return this.find('Pipeline', namespace, name)?.obj;
  }

  async getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    return this.find('ConfigMap', namespace, name)?.obj;
  }

  async listConfigMaps(namespace: string, options?: ListOptions): Promise<ConfigMap[]> {
    return this.all('ConfigMap', namespace, options).map((o) => o.obj as ConfigMap);
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** The parts of the yaml module recursiveAlias needs (passed in: yaml is loaded lazily here). */
export type YamlNodeTests = Pick<typeof import('yaml'), 'isAlias' | 'isMap' | 'isNode' | 'isPair' | 'isSeq'>;

export interface BadAlias {
  alias: Alias;
  /** recursive: inside the node it names; unresolved: no anchor of its name before it. */
  problem: 'recursive' | 'unresolved';
}

/**
 * The first alias that points at a node enclosing it (`&t {a: *t}`), or at no anchor, if any.
 * yaml turns a recursive alias into an object that contains itself, which no Kubernetes object
 * can be and which code walking the value (JSON.stringify, recursion) cannot handle. Only
 * aliases to an ancestor make cycles: an anchor must come before its alias, so any other target
 * is already complete. One pass in document order, which is also how yaml picks the anchor an
 * alias means (the last one before it); iterative, so a deep document cannot overflow the stack.
 */
export function badAlias(doc: Document.Parsed, yaml: YamlNodeTests): BadAlias | undefined {
  const anchors = new Map<string, unknown>();
  const open = new Set<unknown>();
  const stack: Array<{ node: unknown; children: unknown[]; next: number }> = [];
  const enter = (node: unknown): BadAlias | undefined => {
    if (yaml.isAlias(node)) {
      const target = anchors.get(node.source);
      if (target === undefined) return { alias: node, problem: 'unresolved' };
      return open.has(target) ? { alias: node, problem: 'recursive' } : undefined;
    }
    if (yaml.isNode(node) && node.anchor) anchors.set(node.anchor, node);
    const children: unknown[] =
      yaml.isMap(node) || yaml.isSeq(node) ? node.items : yaml.isPair(node) ? [node.key, node.value] : [];
    if (children.length > 0) {
      open.add(node);
      stack.push({ node, children, next: 0 });
    }
    return undefined;
  };
  const first = enter(doc.contents);
  if (first) return first;
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as (typeof stack)[number];
    if (top.next >= top.children.length) {
      open.delete(top.node);
      stack.pop();
      continue;
    }
    const found = enter(top.children[top.next++]);
    if (found) return found;
  }
  return undefined;
}

/** The message and hint for a bad alias, as TA001 and InputError give them. */
export function badAliasText(bad: BadAlias): { message: string; hint: string } {
  const name = bad.alias.source;
  return bad.problem === 'recursive'
    ? {
        message: `invalid YAML: alias *${name} is inside the node anchored &${name}, so the object would contain itself`,
        hint: 'a Kubernetes object cannot contain itself: write the content out, or anchor a node outside the one the alias is in',
      }
    : {
        message: `invalid YAML: alias *${name} has no anchor &${name} before it`,
        hint: 'define the anchor (&name) before the alias (*name) that uses it',
      };
}

/** What to do about an error yaml throws while turning a document into data. */
export function aliasErrorHint(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/alias count/i.test(message)) return 'aliases may expand to at most 1000 nodes';
  if (/unresolved alias/i.test(message))
    return 'define the anchor (&name) before the alias (*name) that uses it';
  return 'fix the YAML at this position';
}

function startLine(doc: Document.Parsed, lc: LineCounter): number | undefined {
  const range = doc.contents?.range;
  return range ? lc.linePos(range[0]).line : undefined;
}

/** Position of items[i] in a List document, for precise messages. */
function itemLine(doc: Document.Parsed, lc: LineCounter, index: number): number | undefined {
  const items = doc.getIn(['items'], true) as
    { items?: Array<{ range?: [number, number, number] }> } | undefined;
  const range = items?.items?.[index]?.range;
  return range ? lc.linePos(range[0]).line : undefined;
}

/** The export parsed as JSON when it is JSON (it starts with `{`), else undefined (read as YAML). */
function parseJsonExport(text: string): unknown {
  const start = /^\uFEFF?\s*/.exec(text)?.[0].length ?? 0;
  if (text[start] !== '{') return undefined;
  try {
    return JSON.parse(start > 0 ? text.slice(start) : text) as unknown;
  } catch {
    return undefined; // not valid JSON: the YAML reader says where it is broken
  }
}

/** Objects of a JSON export (one object or a List); no line numbers, JSON.parse keeps none. */
function collectJson(value: unknown, file: string, out: Stored[]): void {
  if (isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List')) {
    if (value.items === undefined || value.items === null) return;
    if (!Array.isArray(value.items))
      throw new InputError({ file, message: `${value.kind}.items is not a list` });
    value.items.forEach((item: unknown, i: number) =>
      addObject(item, file, undefined, `item ${i + 1} of the ${String(value.kind)}`, out),
    );
    return;
  }
  if (!isRecord(value))
    throw new InputError({
      file,
      message: 'the document is not a Kubernetes object (expected a mapping with kind and metadata)',
    });
  addObject(value, file, undefined, 'document 1', out);
}

function collect(
  value: unknown,
  file: string,
  line: number | undefined,
  docIndex: number,
  out: Stored[],
  doc: Document.Parsed,
  lc: LineCounter,
): void {
  if (!isRecord(value)) {
    throw new InputError({
      file,
      ...(line !== undefined ? { line } : {}),
      message: `document ${docIndex + 1} is not a Kubernetes object (expected a mapping with kind and metadata)`,
    });
  }
  if (typeof value.kind === 'string' && value.kind.endsWith('List')) {
    if (value.items === undefined || value.items === null) return;
    if (!Array.isArray(value.items)) {
      throw new InputError({
        file,
        ...(line !== undefined ? { line } : {}),
        message: `${value.kind}.items is not a list`,
      });
    }
    value.items.forEach((item: unknown, i: number) => {
      const l = itemLine(doc, lc, i) ?? line;
      addObject(item, file, l, `item ${i + 1} of the ${String(value.kind)}`, out);
    });
    return;
  }
  addObject(value, file, line, `document ${docIndex + 1}`, out);
}

function addObject(item: unknown, file: string, line: number | undefined, what: string, out: Stored[]): void {
  const at = line !== undefined ? { line } : {};
  if (!isRecord(item) || typeof item.kind !== 'string') {
    throw new InputError({ file, ...at, message: `${what} has no kind: not a Kubernetes object` });
  }
  if (!(KINDS as readonly string[]).includes(item.kind)) return;
  const meta = item.metadata;
  if (!isRecord(meta) || typeof meta.name !== 'string' || meta.name === '') {
    throw new InputError({ file, ...at, message: `${item.kind} (${what}) has no metadata.name` });
  }
  if (
    item.kind === 'PipelineRun' ||
    item.kind === 'TaskRun' ||
    item.kind === 'Pipeline' ||
    item.kind === 'Task'
  ) {
    const api = item.apiVersion;
    if (typeof api === 'string' && !api.startsWith('tekton.dev/')) return; // same kind name, other group
  }
  out.push({ kind: item.kind as Kind, obj: item as unknown as { metadata: ObjectMeta }, line });
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new InputError({
      file: 'stdin',
      message: 'no input: standard input is a terminal',
      hint: 'pipe an export in: kubectl get pipelinerun,taskrun -o yaml | tkn-artifacts … --from-file -',
    });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
