#!/usr/bin/env node
import { createRequire } from 'node:module';
import { requireWithCompileCache } from './compile-cache.js';

// The bundles require() the ES modules they load on demand (drivers, the agent), which Node does from 20.19.
if (!process.features.require_module) {
  process.stderr.write(`preevy needs Node.js 20.19 or later (this is ${process.version}): install a newer Node.js.\n`);
  process.exit(1);
}
const cli = createRequire(import.meta.url).resolve('../dist/bundle.cjs');
const core = createRequire(cli).resolve('@preevy/core');
const { main } = requireWithCompileCache([cli, core]);

process.exitCode = await main(process.argv.slice(2), import.meta.url);
