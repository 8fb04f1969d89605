#!/usr/bin/env node
import { main } from '../dist/bundle.mjs';

process.exitCode = await main(process.argv.slice(2), import.meta.url);
