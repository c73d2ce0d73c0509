#!/usr/bin/env node
// Runs every check in order: lint, type-check, then the unit, integration and e2e test projects.
// Ends with one plain line "N passed, N failed, N skipped" summed over all projects.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

const steps = [
  ['lint', 'npx', ['eslint', '--max-warnings', '0', '.']],
  ['format', 'npx', ['prettier', '--check', '.']],
  ['typecheck', 'npx', ['tsc', '-p', 'tsconfig.json']],
];
const projects = ['unit', 'integration', 'e2e'];
const only = process.argv.slice(2);

mkdirSync('test-results', { recursive: true });
let failedSteps = 0;
for (const [name, cmd, args] of steps) {
  if (only.length && !only.includes(name)) continue;
  console.log(`\n=== ${name}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) failedSteps++;
}

const totals = { passed: 0, failed: 0, skipped: 0 };
for (const project of projects) {
  if (only.length && !only.includes(project)) continue;
  console.log(`\n=== ${project} tests`);
  const out = `test-results/${project}.json`;
  const r = spawnSync(
    'npx',
    [
      'vitest',
      'run',
      '--project',
      project,
      '--reporter=default',
      '--reporter=json',
      `--outputFile=${out}`,
    ],
    { stdio: 'inherit' },
  );
  try {
    const report = JSON.parse(readFileSync(out, 'utf8'));
    totals.passed += report.numPassedTests;
    totals.failed += report.numFailedTests;
    totals.skipped += report.numPendingTests + (report.numTodoTests ?? 0);
    if (r.status !== 0 && report.numFailedTests === 0) failedSteps++;
  } catch {
    console.error(`no report from the ${project} project`);
    failedSteps++;
  }
}

if (failedSteps)
  console.log(`\n${failedSteps} check step(s) failed (lint, format, type-check or a test run)`);
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedSteps || totals.failed ? 1 : 0);
