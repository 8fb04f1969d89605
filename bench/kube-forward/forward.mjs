// Our port-forward in a process of its own, so its memory is measured alone, like kubectl's.
// Usage: node forward.mjs KUBECONFIG NAMESPACE POD PORT...   prints {"<pod port>": <local port>}, runs until killed.
import { forwardPort, loadKubeConfig } from '@preevy/driver-kube-pod';

const [kubeconfig, namespace, pod, ...ports] = process.argv.slice(2);
const kc = loadKubeConfig({ kubeconfig });
const forwards = await Promise.all(ports.map((port) => forwardPort(kc, { namespace, pod, port: Number(port) })));
console.log(JSON.stringify(Object.fromEntries(ports.map((p, i) => [p, forwards[i].port]))));
process.on('SIGTERM', () => void Promise.all(forwards.map((f) => f.close())).then(() => process.exit(0)));
