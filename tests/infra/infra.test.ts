/**
 * The CDK app's tests, one topic a module, gathered in this one file so that
 * the app is synthesized and its functions bundled once per run (a synthesis
 * costs seconds; every test file runs in a worker of its own). Run one topic
 * with `npx vitest run tests/infra -t 'least privilege'`.
 */
import { afterAll } from 'vitest';
import { removeAssemblies } from './synth.js';
import './storage.checks.js';
import './processing.checks.js';
import './reminders.checks.js';
import './bundles.checks.js';
import './cdk-nag.checks.js';
import './portal.checks.js';

afterAll(removeAssemblies);
