/**
 * The tree view of a run: PipelineRun → TaskRuns → artifacts → files, platforms, referrers.
 * Pure: it turns an ArtifactTree into styled lines; the plain and ink printers draw them.
 * Glyphs are the ones oras discover and tree(1) use, so the shape reads at a glance.
 */
import {
  NAMED_CONTENT_TASK,
  type ArtifactNode,
  type ArtifactTree,
  type FileEntry,
  type Outcome,
  type ReferrerNode,
  type TaskRunNode,
} from '../tree/model.js';
import type { Line, Segment, Style } from './style.js';
import { unusableBecause } from './outcome.js';
import { humanSize } from '../units/sizes.js';
import { shortDigest } from './digest.js';

export interface TreeOptions {
  /** How many levels below the run to show: 1 = TaskRuns, 2 = artifacts, 3 = files and referrers, … */
  depth?: number;
  /** Show full digests instead of shortened ones. */
  fullDigests?: boolean;
}

interface Node {
  label: Segment[];
  children: Node[];
}

const BRANCH = '├── ';
const LAST = '└── ';
const PIPE = '│   ';
const SPACE = '    ';

function outcomeSegments(outcome: Outcome, reason?: string): Segment[] {
  const style: Style =
    outcome === 'Succeeded' ? 'ok' : outcome === 'Failed' || outcome === 'Cancelled' ? 'bad' : 'warn';
  const mark = outcome === 'Succeeded' ? '✔' : outcome === 'Failed' || outcome === 'Cancelled' ? '✘' : '…';
  const text = reason && reason !== outcome ? `${mark} ${outcome} (${reason})` : `${mark} ${outcome}`;
  return [{ text, style }];
}

function digestText(digest: string | undefined, options: TreeOptions): string {
  if (!digest) return '-';
  return options.fullDigests ? digest : shortDigest(digest);
}

/** `repo@sha256:abcdef123456`: the digest shortened like the others, unless asked for whole. */
function referenceText(reference: string, options: TreeOptions): string {
  const at = reference.lastIndexOf('@');
  // Only a digest is shortened: `git+https://…@refs/heads/main` is shown as reported.
  if (options.fullDigests || at < 0 || !/^[a-z0-9]+:[0-9a-f]{32,}$/.test(reference.slice(at + 1)))
    return reference;
  return `${reference.slice(0, at)}@${shortDigest(reference.slice(at + 1))}`;
}

/** `sha256-<hex>.sig` with the hex shortened like digests, unless asked for whole. */
function tagText(tag: string, options: TreeOptions): string {
  const match = /^(sha256)-([0-9a-f]{64})(\..+)$/.exec(tag);
  if (options.fullDigests || !match) return tag;
  return `${shortDigest(`${match[1]}:${match[2]}`).replace(':', '-')}${match[3]}`;
}

function fileNode(file: FileEntry, options: TreeOptions): Node {
  const label: Segment[] = [
    { text: file.title ?? '(untitled layer)', style: file.title ? 'plain' : 'muted' },
    { text: `  ${humanSize(file.size)}`, style: 'plain' },
    { text: `  ${file.mediaType}`, style: 'muted' },
  ];
  if (file.archive) label.push({ text: `  [${file.archive}]`, style: 'muted' });
  label.push({ text: `  ${digestText(file.digest, options)}`, style: 'dim' });
  return { label, children: [] };
}

function referrerNode(referrer: ReferrerNode, level: number, options: TreeOptions): Node {
  const label: Segment[] = [{ text: referrer.kind, style: 'accent' }];
  // cosign's tag-stored attachments are no referrers: the tag says where they are.
  if (referrer.tag) {
    const where = referrer.repository ? `${referrer.repository}:` : '';
    label.push({ text: `  (cosign, tag ${where}${tagText(referrer.tag, options)})`, style: 'muted' });
  }
  label.push(
    { text: `  ${referrer.artifactType || '<unknown>'}`, style: 'muted' },
    { text: `  ${digestText(referrer.digest, options)}`, style: 'dim' },
  );
  if (referrer.error) label.push({ text: `  ! ${referrer.error}`, style: 'bad' });
  const children = withinDepth(level + 1, options)
    ? [
        ...referrer.files.map((file) => fileNode(file, options)),
        ...referrer.referrers.map((child) => referrerNode(child, level + 1, options)),
      ]
    : [];
  return { label, children };
}

function stateSegments(artifact: ArtifactNode, outcome: Outcome | undefined): Segment[] {
  switch (artifact.state) {
    case 'present':
      return [
        {
          text: artifact.usable ? '✔ usable' : `✔ present (${unusableBecause(outcome)})`,
          style: artifact.usable ? 'ok' : 'warn',
        },
      ];
    case 'inline':
      return [
        {
          text: artifact.usable ? '✔ inline' : `inline (${unusableBecause(outcome)})`,
          style: artifact.usable ? 'ok' : 'warn',
        },
      ];
    case 'external':
      return [{ text: 'external', style: 'muted' }];
    case 'dangling':
      return [{ text: '✘ dangling', style: 'bad' }];
    case 'error':
      return [{ text: '✘ error', style: 'bad' }];
  }
}

function withinDepth(level: number, options: TreeOptions): boolean {
  return options.depth === undefined || level <= options.depth;
}

/** `outcome`: the producing TaskRun's, or undefined for content no TaskRun reported. */
function artifactNode(artifact: ArtifactNode, level: number, options: TreeOptions, outcome?: Outcome): Node {
  const label: Segment[] = [{ text: artifact.name, style: 'bold' }];
  if (artifact.direction === 'input') label.push({ text: ' (input)', style: 'muted' });
  if (artifact.buildOutput) label.push({ text: ' [build output]', style: 'accent' });
  label.push({ text: '  ' });
  label.push(...stateSegments(artifact, outcome));
  if (artifact.size !== undefined) label.push({ text: `  ${humanSize(artifact.size)}` });
  const where = artifact.reference ?? artifact.location;
  if (where) label.push({ text: `  ${referenceText(where, options)}`, style: 'muted' });
  if (artifact.inline !== undefined && artifact.state === 'inline') {
    const preview = artifact.inline.length > 40 ? `${artifact.inline.slice(0, 37)}...` : artifact.inline;
    label.push({ text: `  "${preview.replace(/\n/g, '\\n')}"`, style: 'muted' });
  }
  label.push({ text: `  (${artifact.producers.join(', ')})`, style: 'dim' });
  if (artifact.error) label.push({ text: `  ! ${artifact.error}`, style: 'bad' });
  const children: Node[] = [];
  if (withinDepth(level + 1, options)) {
    for (const platform of artifact.platforms) {
      children.push({
        label: [
          { text: platform.platform, style: 'accent' },
          { text: `  ${humanSize(platform.size)}` },
          { text: `  ${digestText(platform.digest, options)}`, style: 'dim' },
        ],
        children: withinDepth(level + 2, options)
          ? platform.referrers.map((referrer) => referrerNode(referrer, level + 2, options))
          : [],
      });
    }
    // A blob artifact (Konflux, StepActions) is its one file: the artifact line already says it all.
    const files = artifact.files.filter(
      (file) => !(artifact.digestRefersTo === 'blob' && file.digest === artifact.digest),
    );
    children.push(...files.map((file) => fileNode(file, options)));
    children.push(...artifact.referrers.map((referrer) => referrerNode(referrer, level + 1, options)));
  }
  return { label, children };
}

function taskRunNode(taskRun: TaskRunNode, options: TreeOptions): Node {
  // Content named by reference has no TaskRun, so no outcome to show.
  if (taskRun.pipelineTask === NAMED_CONTENT_TASK) {
    return {
      label: [{ text: NAMED_CONTENT_TASK, style: 'muted' }],
      children: withinDepth(2, options)
        ? taskRun.artifacts.map((a) => artifactNode(a, 2, options, taskRun.outcome))
        : [],
    };
  }
  const label: Segment[] = [{ text: taskRun.pipelineTask ?? taskRun.name, style: 'bold' }];
  if (taskRun.pipelineTask) label.push({ text: ` (${taskRun.name})`, style: 'muted' });
  label.push({ text: '  ' }, ...outcomeSegments(taskRun.outcome, taskRun.reason));
  if (taskRun.artifacts.length === 0) label.push({ text: '  no results or artifacts', style: 'muted' });
  const children = withinDepth(2, options)
    ? taskRun.artifacts.map((a) => artifactNode(a, 2, options, taskRun.outcome))
    : [];
  return { label, children };
}

function draw(node: Node, prefix: string, isLast: boolean, lines: Line[]): void {
  lines.push([{ text: prefix + (isLast ? LAST : BRANCH), style: 'muted' }, ...node.label]);
  const childPrefix = prefix + (isLast ? SPACE : PIPE);
  node.children.forEach((child, index) =>
    draw(child, childPrefix, index === node.children.length - 1, lines),
  );
}

export function treeLines(tree: ArtifactTree, options: TreeOptions = {}): Line[] {
  const lines: Line[] = [];
  const run = tree.run;
  const header: Segment[] = [
    { text: `${run.kind} `, style: 'muted' },
    { text: run.name, style: 'bold' },
  ];
  if (run.namespace) header.push({ text: ` (namespace ${run.namespace})`, style: 'muted' });
  header.push({ text: '  ' }, ...outcomeSegments(run.outcome, run.reason));
  lines.push(header);
  const storage: Segment[] = [{ text: 'storage: ', style: 'muted' }];
  storage.push({ text: tree.storage.repository ?? 'not configured' });
  if (tree.storage.root) {
    storage.push({
      text: `  root ${digestText(tree.storage.root.digest, options)} (found by ${tree.storage.root.foundBy})`,
      style: 'muted',
    });
  }
  if (tree.storage.referrers)
    storage.push({ text: `  referrers via ${tree.storage.referrers}`, style: 'muted' });
  lines.push(storage);
  lines.push([{ text: `source: ${run.source}`, style: 'muted' }]);

  const top: Node[] = tree.taskRuns.map((taskRun) => taskRunNode(taskRun, options));
  if (tree.unreported.length > 0) {
    top.push({
      label: [{ text: 'not reported by any TaskRun', style: 'warn' }],
      children: withinDepth(2, options) ? tree.unreported.map((a) => artifactNode(a, 2, options)) : [],
    });
  }
  // One artifact named by reference (a Konflux blob URI): no TaskRun around it, no outcome known.
  if (tree.artifact) top.push(artifactNode(tree.artifact, 2, options));
  top.forEach((node, index) => draw(node, '', index === top.length - 1, lines));

  if (tree.problems.length > 0) {
    lines.push([]);
    lines.push([
      { text: `${tree.problems.length} problem${tree.problems.length === 1 ? '' : 's'}:`, style: 'bad' },
    ]);
    for (const problem of tree.problems) {
      const where = [problem.taskRun, problem.artifact].filter(Boolean).join('/');
      lines.push([
        { text: `  ${problem.kind}`, style: 'bad' },
        { text: where ? ` ${where}` : '', style: 'bold' },
        { text: `: ${problem.message}` },
      ]);
    }
  }
  return lines;
}
