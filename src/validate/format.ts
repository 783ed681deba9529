// The four outputs of `validate`, each a pure function of the report: human (aligned, colour on
// request), JSON (the report itself), SARIF 2.1.0 (code-scanning UIs) and GitHub Actions
// workflow commands (annotations on the pull request).

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { lineToString, type Line, type Style } from '../render/style.js';
import { RULES } from './catalog.js';
import type { ValidationReport } from './report.js';
import type { Finding, Severity } from './types.js';

export type OutputFormat = 'human' | 'json' | 'sarif' | 'github';
const SEVERITY_STYLE: Record<Severity, Style> = { error: 'bad', warning: 'warn', info: 'accent' };

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** How many further positions a grouped finding lists. */
const GROUP_POSITIONS = 3;

/**
 * Identical findings (same rule, message and hint: a copied Task in many files) as one entry with
 * the positions of the others, in first-seen order.
 */
function groupFindings(findings: readonly Finding[]): Array<{ first: Finding; others: Finding[] }> {
  const groups = new Map<string, { first: Finding; others: Finding[] }>();
  for (const f of findings) {
    const key = `${f.ruleId}\0${f.severity}\0${f.message}\0${f.hint ?? ''}`;
    const g = groups.get(key);
    if (g) g.others.push(f);
    else groups.set(key, { first: f, others: [] });
  }
  return [...groups.values()];
}

export function formatHuman(report: ValidationReport, options: { colour: boolean }): string {
  const { summary } = report;
  const groups = groupFindings(report.findings);
  const findings = groups.map((g) => g.first);
  const out: string[] = [];
  const loc = (f: Finding) => `${f.file}:${f.line}:${f.column}`;
  const locWidth = Math.max(0, ...findings.map((f) => loc(f).length));
  const sevWidth = 'warning'.length;
  const ruleWidth = Math.max(5, ...findings.map((f) => f.ruleId.length));
  const indent = ' '.repeat(locWidth + 2 + sevWidth + 2 + ruleWidth + 2);
  for (const { first: f, others } of groups) {
    const line: Line = [
      { text: loc(f).padEnd(locWidth), style: 'bold' },
      { text: '  ' },
      { text: f.severity.padEnd(sevWidth), style: SEVERITY_STYLE[f.severity] },
      { text: '  ' },
      { text: f.ruleId.padEnd(ruleWidth), style: 'dim' },
      { text: '  ' },
      { text: f.message },
    ];
    out.push(lineToString(line, options.colour));
    if (others.length > 0) {
      const shown = others.slice(0, GROUP_POSITIONS).map(loc).join(', ');
      const more = others.length > GROUP_POSITIONS ? `, and ${others.length - GROUP_POSITIONS} more` : '';
      out.push(
        lineToString(
          [{ text: `${indent}×${others.length + 1}: also at ${shown}${more}`, style: 'muted' }],
          options.colour,
        ),
      );
    }
    if (f.hint)
      out.push(lineToString([{ text: `${indent}hint: ${f.hint}`, style: 'muted' }], options.colour));
  }
  if (findings.length > 0) out.push('');
  const counts = [
    plural(summary.errors, 'error'),
    plural(summary.warnings, 'warning'),
    `${summary.infos} info`,
  ].join(', ');
  const scope = `${plural(summary.resources, 'resource')} in ${plural(summary.files, 'file')}`;
  const tekton = report.configuration.tekton;
  const against = `against ${report.configuration.source}, for Tekton ${tekton.version} (from ${tekton.versionSource})`;
  let verdict: Line;
  if (summary.verdict === 'invalid-input') {
    verdict = [{ text: '✗ invalid input', style: 'bad' }, { text: `: ${counts}; ${scope}, ${against}` }];
  } else if (summary.verdict === 'incompatible') {
    verdict = [{ text: '✗ incompatible', style: 'bad' }, { text: `: ${counts} in ${scope}, ${against}` }];
  } else if (findings.length > 0) {
    verdict = [
      { text: '✓ compatible', style: 'ok' },
      { text: ` (nothing at or above --fail-on ${summary.failOn}): ${counts} in ${scope}, ${against}` },
    ];
  } else {
    verdict = [{ text: '✓ compatible', style: 'ok' }, { text: `: ${scope}, ${against}` }];
  }
  out.push(lineToString(verdict, options.colour));
  for (const w of [...report.configuration.warnings, ...report.notes]) {
    out.push(lineToString([{ text: `note: ${w}`, style: 'muted' }], options.colour));
  }
  return `${out.join('\n')}\n`;
}

export function formatJson(report: ValidationReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------
// SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html)

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
};

interface ArtifactLocation {
  uri?: string;
  uriBaseId?: string;
  description?: { text: string };
}

export interface SarifOptions {
  cwd: string;
  /**
   * Inputs that are no local file (cluster objects), with the absolute URI of each when known.
   * Standard input is always one.
   */
  virtual?: ReadonlyMap<string, string | undefined>;
}

/**
 * Real files under the working directory are relative to %SRCROOT%, other files are file: URIs.
 * What is no file (standard input, a cluster object) must not look like one: code scanning
 * resolves relative URIs against the checkout. It gets its absolute URI (a cluster object's API
 * URL) or, with none, no URI but a description (in SARIF 2.1.0 both are optional properties of
 * an artifactLocation).
 */
function artifactLocation(file: string, options: SarifOptions): ArtifactLocation {
  const { cwd } = options;
  if (file === 'stdin') return { description: { text: 'standard input' } };
  if (options.virtual?.has(file)) {
    const uri = options.virtual.get(file);
    const description = {
      text: `${file.replace(/^cluster\//, 'cluster object ')}, as kubectl get -o yaml prints it`,
    };
    return uri ? { uri, description } : { description };
  }
  const absolute = path.resolve(cwd, file);
  const relative = path.relative(cwd, absolute);
  if (!path.isAbsolute(file) && !relative.startsWith('..')) {
    return { uri: relative.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: 'SRCROOT' };
  }
  return { uri: pathToFileURL(absolute).href };
}

export function formatSarif(report: ValidationReport, options: SarifOptions): string {
  const ruleIndex = new Map(RULES.map((r, i) => [r.id, i]));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'tkn-artifacts',
            version: report.tool.version,
            semanticVersion: report.tool.version,
            rules: RULES.map((r) => ({
              id: r.id,
              name: r.name,
              shortDescription: { text: r.summary },
              fullDescription: { text: r.summary },
              help: { text: r.help },
              defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
              properties: { category: r.category },
            })),
          },
        },
        properties: {
          tektonVersion: report.configuration.tekton.version,
          tektonVersionSource: report.configuration.tekton.versionSource,
          tektonApiData: report.configuration.tekton.apiData,
        },
        originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(`${options.cwd}${path.sep}`).href } },
        invocations: [
          {
            executionSuccessful: report.summary.exitCode !== 2,
            exitCode: report.summary.exitCode,
            ...(report.configuration.warnings.length > 0
              ? {
                  toolConfigurationNotifications: report.configuration.warnings.map((text) => ({
                    level: 'warning',
                    message: { text },
                  })),
                }
              : {}),
            ...(report.notes.length > 0
              ? {
                  toolExecutionNotifications: report.notes.map((text) => ({
                    level: 'note',
                    message: { text },
                  })),
                }
              : {}),
          },
        ],
        results: report.findings.map((f) => ({
          ruleId: f.ruleId,
          ruleIndex: ruleIndex.get(f.ruleId) ?? -1,
          level: SARIF_LEVEL[f.severity],
          message: { text: f.hint ? `${f.message}\nHint: ${f.hint}` : f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: artifactLocation(f.file, options),
                region: {
                  startLine: f.line,
                  startColumn: f.column,
                  ...(f.endLine !== undefined ? { endLine: f.endLine } : {}),
                  ...(f.endColumn !== undefined ? { endColumn: f.endColumn } : {}),
                },
              },
            },
          ],
          ...(f.resource
            ? {
                properties: {
                  resource: `${f.resource.kind}/${f.resource.name}`,
                  ...(f.resource.namespace ? { namespace: f.resource.namespace } : {}),
                },
              }
            : {}),
        })),
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------
// GitHub Actions workflow commands (::error file=…,line=…,col=…,title=…::message)

const GITHUB_COMMAND: Record<Severity, 'error' | 'warning' | 'notice'> = {
  error: 'error',
  warning: 'warning',
  info: 'notice',
};

/** The runner's escaping (actions/toolkit command.ts): data escapes %, CR, LF; properties also : and ,. */
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function formatGithub(report: ValidationReport): string {
  const lines = report.findings.map((f) => {
    const props = [
      `file=${escapeProperty(f.file)}`,
      `line=${f.line}`,
      `col=${f.column}`,
      ...(f.endLine !== undefined ? [`endLine=${f.endLine}`] : []),
      ...(f.endColumn !== undefined && f.endLine === f.line ? [`endColumn=${f.endColumn}`] : []),
      `title=${escapeProperty(f.ruleId)}`,
    ].join(',');
    const text = f.hint ? `${f.message}\nhint: ${f.hint}` : f.message;
    return `::${GITHUB_COMMAND[f.severity]} ${props}::${escapeData(text)}`;
  });
  const s = report.summary;
  lines.push(
    `tkn-artifacts validate: ${s.verdict} for Tekton ${report.configuration.tekton.version} (${s.errors} errors, ${s.warnings} warnings, ${s.infos} info in ${s.resources} resources)`,
  );
  return `${lines.join('\n')}\n`;
}
