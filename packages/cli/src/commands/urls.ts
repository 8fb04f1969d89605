import { Args, Flags } from '@oclif/core';
import { decodeOpenSshEd25519, PreevyError, type EnvUrl } from '@preevy/core';
import { envAudience, signShareToken, TOKEN_QUERY_PARAM } from '@preevy/tunnel-protocol';
import { BaseCommand } from '../base-command.js';
import { resolveProfile } from '../environment-context.js';
import { renderTable } from '../ui/render-table.js';

export default class Urls extends BaseCommand<typeof Urls> {
  static override summary = 'Print the URLs of an environment.';
  static override examples = ['<%= config.bin %> urls --id my-feature', '<%= config.bin %> urls web --id my-feature --include-access-credentials'];
  static override args = { service: Args.string({ description: 'Only this service.' }) };
  static override flags = {
    id: Flags.string({ description: 'Environment id.', env: 'PREEVY_ENV_ID', required: true }),
    'include-access-credentials': Flags.boolean({ description: 'Append a share token (signed by the profile key) to every URL, for private services.' }),
    'token-ttl': Flags.integer({ description: 'Lifetime of share tokens, in hours.', default: 24 * 7 }),
  };

  async run(): Promise<EnvUrl[]> {
    const { args } = await this.parse(Urls);
    const f = this.flags;
    const { store, profile } = await resolveProfile(f.profile);
    const record = await store.readEnv(profile.name, f.id);
    if (!record) {
      throw new PreevyError(`No environment ${f.id} in profile ${profile.name}`, { code: 'ENV_NOT_FOUND', kind: 'not-found', suggestions: ['List environments with `preevy ls`.'] });
    }
    let urls = record.urls.filter((u) => !args.service || u.service === args.service);
    if (f['include-access-credentials']) {
      const privateKey = decodeOpenSshEd25519(await store.readPrivateKey(profile.name));
      const token = signShareToken({ privateKey, clientId: profile.clientId, audience: envAudience(record.envId), expiresIn: f['token-ttl'] * 3600 });
      urls = urls.map((u) => ({ ...u, url: `${u.url}/?${TOKEN_QUERY_PARAM}=${token}` }));
    }
    this.log(renderTable(['service', 'port', 'url'], urls.map((u) => [u.service, String(u.port), u.url])));
    return urls;
  }
}
