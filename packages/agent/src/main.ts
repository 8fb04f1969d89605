// The agent's process entry (bundled into agent.mjs): wires the real process into the command.
import { readFileSync } from 'node:fs';
import { runAgentCommand } from './command.js';
import { stdioDuplex } from './workspace/stdio-stream.js';

const waitForSignal = () =>
  new Promise<string>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      process.off('SIGHUP', onSignal);
      // A second signal while stopping means "now".
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(130));
      resolve(signal);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    // ssh hangs up its ProxyCommand when it exits: clean up (sessions, agent socket dir) then go.
    process.once('SIGHUP', onSignal);
  });

const code = await runAgentCommand(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: (path) => readFileSync(path),
  waitForSignal,
  openStdio: stdioDuplex,
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
});
// Shutdown is already bounded; exit now rather than wait on a stray handle (e.g. a half-closed socket).
process.exit(code);
