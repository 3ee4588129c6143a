/**
 * `npx cdk synth` and `npx cdk deploy` start here (cdk.json runs it with tsx).
 * Synthesis needs no AWS credentials and no network: context comes from
 * cdk.json and `-c`, and the functions are bundled by the local esbuild.
 */
import { App } from 'aws-cdk-lib';
import { defineReturnsApp } from '../returns-app.js';

defineReturnsApp(new App());
