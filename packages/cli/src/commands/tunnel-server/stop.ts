import { preevyHome } from '@preevy/core';
import { BaseCommand } from '../../base-command.js';
import { stopEmbeddedTunnelServer, type StopEmbeddedResult } from '../../embedded-tunnel-server.js';

export default class TunnelServerStop extends BaseCommand<typeof TunnelServerStop> {
  static override summary = "Stop this preevy home's embedded tunnel server now (it also stops by itself once no environment is left).";
  static override description =
    'Idempotent: says whether one was running. The next `preevy up` that needs it starts it again. ' +
    'URLs of environments still up stop answering until then.';
  static override examples = ['<%= config.bin %> tunnel-server stop'];

  async run(): Promise<StopEmbeddedResult & { home: string }> {
    const home = preevyHome();
    const result = await stopEmbeddedTunnelServer(home);
    this.log(result.wasRunning ? `Stopped the embedded tunnel server of ${home} (pid ${result.pid}).` : `No embedded tunnel server was running for ${home}.`);
    return { ...result, home };
  }
}
