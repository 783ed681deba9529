// Compares tekton-oracle's verdicts (JSON lines) with a `tkn-artifacts validate -o json` report of the
// same files: a resource counts as flagged when validate reports an error for it. Prints the
// confusion matrix; -v lists the disagreements. Usage: node compare.mjs ORACLE.jsonl REPORT.json [-v]
import { readFileSync } from 'node:fs';
const [oracleFile, oursFile] = process.argv.slice(2);
const oracle = readFileSync(oracleFile, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
const ours = JSON.parse(readFileSync(oursFile, 'utf8'));
const key = (file, kind, name) => `${file}|${kind}|${name}`;
const errs = new Map();
for (const f of ours.findings) {
  if (f.severity !== 'error') continue;
  const k = key(f.file, f.resource?.kind, f.resource?.name);
  if (!errs.has(k)) errs.set(k, []);
  errs.get(k).push(f);
}
// Findings without a resource (TA001/TA002/TA502 metadata): by file.
const fileErrs = new Set(
  ours.findings.filter((f) => !f.resource && f.severity === 'error').map((f) => f.file),
);
let tp = 0,
  fn = 0,
  fp = 0,
  tn = 0;
const fns = [],
  fps = [];
for (const v of oracle) {
  const k = key(v.file, v.kind, v.name);
  const flagged = errs.has(k) || fileErrs.has(v.file);
  if (!v.accepted && flagged) tp++;
  else if (!v.accepted) {
    fn++;
    fns.push(v);
  } else if (flagged) {
    fp++;
    fps.push([v, errs.get(k)]);
  } else tn++;
}
console.log(
  JSON.stringify({ resources: oracle.length, rejected: tp + fn, accepted: tn + fp, tp, fn, fp, tn }),
);
if (process.argv[4] === '-v') {
  for (const v of fns)
    console.log('MISSED', v.file.replace(/^\/tmp\//, ''), v.kind, v.name, '::', v.error.slice(0, 200));
  for (const [v, fs] of fps)
    console.log(
      'FALSE',
      v.file.replace(/^\/tmp\//, ''),
      v.kind,
      v.name,
      '::',
      fs.map((f) => f.ruleId + ' ' + f.message.slice(0, 150)).join(' || '),
    );
}
