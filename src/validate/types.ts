// The shapes `validate` passes around: findings, where they point, and the report.

export type Severity = 'error' | 'warning' | 'info';

/** Higher is more severe; `--fail-on` compares with it. */
export const SEVERITY_RANK: Record<Severity, number> = { info: 1, warning: 2, error: 3 };

/** A path into a parsed object, as JSON would write it: ['spec', 'steps', 0, 'script']. */
export type Path = ReadonlyArray<string | number>;

/** 1-based, like editors and compilers print them. */
export interface Position {
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
}

export interface ResourceRef {
  kind: string;
  name: string;
  namespace?: string;
}

export interface Finding extends Position {
  ruleId: string;
  severity: Severity;
  message: string;
  hint?: string;
  /** The input as the user named it (a path, "stdin", or cluster/<ns>/<kind>/<name>.yaml). */
  file: string;
  resource?: ResourceRef;
}

/**
 * What a rule returns: a path into the resource (the engine turns it into file, line and column)
 * instead of a position, so rules stay pure functions over plain objects.
 */
export interface RawFinding {
  ruleId: string;
  message: string;
  hint?: string;
  /** Relative to the resource's root object. */
  path: Path;
  /** Point at the key (`storage:`) rather than its value; default: the value. */
  at?: 'key' | 'value';
  /** Text inside the value to point at (a variable in a script), when the source has it verbatim. */
  needle?: string;
  /** Overrides the rule's default severity (rare: e.g. an estimate rather than a declared size). */
  severity?: Severity;
}
