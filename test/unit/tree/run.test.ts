import { describe, expect, it } from 'vitest';
import { outcomeOf, parseRunArgument } from '../../../src/tree/run.js';

describe('parseRunArgument', () => {
  it('reads names and TYPE/NAME the way kubectl does', () => {
    expect(parseRunArgument('build-app-x7k2')).toEqual({ kind: 'PipelineRun', name: 'build-app-x7k2' });
    expect(parseRunArgument('pipelinerun/build-1')).toEqual({ kind: 'PipelineRun', name: 'build-1' });
    expect(parseRunArgument('pr/build-1')).toEqual({ kind: 'PipelineRun', name: 'build-1' });
    expect(parseRunArgument('taskruns.tekton.dev/build-1-test')).toEqual({
      kind: 'TaskRun',
      name: 'build-1-test',
    });
    expect(parseRunArgument('TR/build-1-test')).toEqual({ kind: 'TaskRun', name: 'build-1-test' });
  });
  it('takes anything with a registry part as a reference to a root artifact', () => {
    expect(parseRunArgument('registry.example.com/ci/artifacts:ci.build-1')).toEqual({
      kind: 'Artifact',
      reference: 'registry.example.com/ci/artifacts:ci.build-1',
    });
    expect(parseRunArgument('localhost:5000/a@sha256:' + 'a'.repeat(64)).kind).toBe('Artifact');
  });
  it('rejects names Kubernetes would reject, saying what a name or reference looks like', () => {
    expect(() => parseRunArgument('Build_1')).toThrow(/neither a PipelineRun name nor an OCI reference/);
    expect(() => parseRunArgument('taskrun/Bad_Name')).toThrow(/not a valid TaskRun name/);
  });
});

describe('outcomeOf', () => {
  const run = (status?: string, reason?: string) => ({
    status: { conditions: status ? [{ type: 'Succeeded', status, ...(reason ? { reason } : {}) }] : [] },
  });
  it('maps the Succeeded condition', () => {
    expect(outcomeOf(run('True', 'Succeeded'))).toEqual({ outcome: 'Succeeded', reason: 'Succeeded' });
    expect(outcomeOf(run('False', 'Failed'))).toEqual({ outcome: 'Failed', reason: 'Failed' });
    expect(outcomeOf(run('False', 'PipelineRunCancelled'))).toEqual({
      outcome: 'Cancelled',
      reason: 'PipelineRunCancelled',
    });
    expect(outcomeOf(run('Unknown', 'Running'))).toEqual({ outcome: 'Running', reason: 'Running' });
    expect(outcomeOf(run())).toEqual({ outcome: 'Unknown' });
    expect(outcomeOf({})).toEqual({ outcome: 'Unknown' });
  });
});
