import { Args, Flags } from '@oclif/core';
import { envShareToken, envUrls, withShareToken, type EnvUrl } from '@preevy/core';
import { BaseCommand } from '../base-command.js';
import { composeFlags } from '../compose-flags.js';
import { commandDriver, driverFlags } from '../drivers/driver-flags.js';
import { envIdFromFlags, resolveProfile } from '../environment-context.js';
import { renderTable } from '../ui/render-table.js';

export default class Urls extends BaseCommand<typeof Urls> {
  static override summary = 'Print the URLs of an environment.';
  static override examples = ['<%= config.bin %> urls --id my-feature', '<%= config.bin %> urls web --id my-feature --include-access-credentials'];
  static override args = { service: Args.string({ ignoreStdin: true, description: 'Only this service.' }) };
  static override flags = {
    ...composeFlags,
    id: Flags.string({ description: 'Environment id (default: derived as `up` derives it).', env: 'PREEVY_ENV_ID' }),
    'include-access-credentials': Flags.boolean({ description: 'Append a share token (signed by the profile key) to every URL, for private services.' }),
    'token-ttl': Flags.integer({ description: 'Lifetime of share tokens, in hours.', default: 24 * 7 }),
    ...driverFlags,
  };

  async run(): Promise<EnvUrl[]> {
    const { args } = await this.parse(Urls);
    const f = this.flags;
    const { store, profile } = await resolveProfile(f.profile);
    const envId = await envIdFromFlags(f);
    // Without a record here (a fresh CI runner), the driver finds the host and its agent answers.
    const found = await envUrls(envId, { envs: store.envs(profile.name), profile, driver: commandDriver(store, profile, f) });
    let urls = found.urls.filter((u) => !args.service || u.service === args.service);
    if (f['include-access-credentials']) {
      const token = envShareToken({ privateKeyText: await store.readPrivateKey(profile.name), profile, envId, expiresInSeconds: f['token-ttl'] * 3600 });
      urls = urls.map((u) => ({ ...u, url: withShareToken(u.url, token) }));
    }
    this.log(renderTable(['service', 'port', 'url'], urls.map((u) => [u.service, String(u.port), u.url])));
    return urls;
  }
}
