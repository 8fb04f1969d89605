import { main } from './main.js';

// Entry of the bundled standalone server (its container image).
process.exitCode = await main();
