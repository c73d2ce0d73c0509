#!/usr/bin/env node
// Launcher for `npx readscope`: registers tsx's loader, then runs the TypeScript CLI as it is in
// src/, so a clone works after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import(new URL('../src/cli/main.ts', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
