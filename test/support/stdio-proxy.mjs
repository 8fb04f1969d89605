// A proxy command for the ssh tests: connects to HOST PORT (loopback only) and relays stdin/stdout,
// as `nc HOST PORT` would. Appends its argv to $PROXY_LOG, so a test sees it was the path taken.
import { appendFileSync } from 'node:fs';
import { connect } from 'node:net';

const [host, port] = process.argv.slice(2);
if (process.env.PROXY_LOG) appendFileSync(process.env.PROXY_LOG, `${JSON.stringify(process.argv.slice(2))}\n`);
if (!/^127\./.test(host ?? '')) {
  process.stderr.write(`stdio-proxy: refusing ${host}: tests dial loopback only\n`);
  process.exit(2);
}
const socket = connect({ host, port: Number(port) }, () => {
  process.stdin.pipe(socket);
  socket.pipe(process.stdout);
});
socket.on('error', (e) => {
  process.stderr.write(`stdio-proxy: ${e.message}\n`);
  process.exit(1);
});
socket.on('close', () => process.exit(0));
