// The ValidationReport (what -o json prints, and what every other format is written from) and
// the exit code. Pure.

import { isInputRule } from './catalog.js';
import type { ConfigSnapshot } from './config.js';
import type { EngineResult, StorageSummary } from './engine.js';
import { SEVERITY_RANK, type Finding, type Severity } from './types.js';

const REPORT_API_VERSION = 'tkn-artifacts.tekton.dev/v1alpha1';
const REPORT_KIND = 'ValidationReport';

export type FailOn = Severity | 'none';
export type Verdict = 'compatible' | 'incompatible' | 'invalid-input';

export interface ValidationReport {
  apiVersion: typeof REPORT_API_VERSION;
  kind: typeof REPORT_KIND;
  tool: { name: 'tkn-artifacts'; version: string };
  configuration: {
    source: string;
    /** The Tekton release the verdict is for, and the API data it was checked with. */
    tekton: {
      version: string;
      versionSource: string;
      apiData: { release: string; commit: string };
      /** Whether the proposed TEP-0164/0192/0193 artifact API counts as served. */
      artifactApi: { served: boolean; source: string };
    };
    defaultNamespace: string;
    featureFlags: {
      enableArtifacts: boolean;
      resultsFrom: string;
      maxResultSize: number;
      enableApiFields: string;
      enableStepActions: boolean;
      /** The keys the ConfigMap sets, as written. */
      set: Record<string, string>;
      status: string;
    };
    storage: StorageSummary[];
    warnings: string[];
  };
  /** About the inputs, not findings: e.g. a ClusterTask checked as a Task. */
  notes: string[];
  summary: {
    verdict: Verdict;
    exitCode: 0 | 1 | 2;
    failOn: FailOn;
    files: number;
    resources: number;
    skippedDocuments: number;
    errors: number;
    warnings: number;
    infos: number;
  };
  findings: Finding[];
}

export function exitCodeOf(findings: readonly Finding[], failOn: FailOn): 0 | 1 | 2 {
  // --fail-on none: report, never fail the job for what was found (exceptions thrown before a
  // report exists still exit non-zero: validate could not run).
  if (failOn === 'none') return 0;
  if (findings.some((f) => isInputRule(f.ruleId))) return 2;
  const threshold = SEVERITY_RANK[failOn];
  return findings.some((f) => SEVERITY_RANK[f.severity] >= threshold) ? 1 : 0;
}

export function buildReport(
  result: EngineResult,
  context: { snapshot: ConfigSnapshot; files: number; failOn: FailOn; version: string },
): ValidationReport {
  const { snapshot } = context;
  const exitCode = exitCodeOf(result.findings, context.failOn);
  const count = (s: Severity) => result.findings.filter((f) => f.severity === s).length;
  const flags = snapshot.featureFlags.flags;
  return {
    apiVersion: REPORT_API_VERSION,
    kind: REPORT_KIND,
    tool: { name: 'tkn-artifacts', version: context.version },
    configuration: {
      source: snapshot.source,
      tekton: {
        version: result.target.version,
        versionSource: result.target.versionSource,
        apiData: { release: result.target.data.release, commit: result.target.data.commit },
        artifactApi: { ...result.target.artifactApi },
      },
      defaultNamespace: snapshot.defaultNamespace,
      featureFlags: {
        enableArtifacts: flags.enableArtifacts,
        resultsFrom: flags.resultsFrom,
        maxResultSize: flags.maxResultSize,
        enableApiFields: flags.enableApiFields,
        enableStepActions: flags.enableStepActions,
        set: { ...snapshot.featureFlags.set },
        status: snapshot.featureFlags.status,
      },
      storage: result.storage,
      warnings: [...snapshot.notes, ...result.configWarnings, ...result.target.notes],
    },
    notes: [...result.notes],
    summary: {
      verdict:
        exitCode === 2 || result.findings.some((f) => isInputRule(f.ruleId))
          ? 'invalid-input'
          : exitCode === 1
            ? 'incompatible'
            : 'compatible',
      exitCode,
      failOn: context.failOn,
      files: context.files,
      resources: result.resources.length,
      skippedDocuments: result.skipped,
      errors: count('error'),
      warnings: count('warning'),
      infos: count('info'),
    },
    findings: result.findings,
  };
}
