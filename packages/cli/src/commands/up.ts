import { writeFile } from 'node:fs/promises';
import { Args, Flags } from '@oclif/core';
import { up, type UpResult } from '@preevy/core';
import { BaseCommand } from '../base-command.js';
import { composeFlags, composeRequestFromFlags } from '../compose-flags.js';
import { commandDriver, driverFlags } from '../drivers/driver-flags.js';
import { DRIVER_OPTION_TYPES } from '../drivers/registry.js';
import { agentImage, resolveProfile, resolveTunnel } from '../environment-context.js';
import { withInterruptSignal } from '../interrupt-signal.js';
import { renderTable } from '../ui/render-table.js';

export default class Up extends BaseCommand<typeof Up> {
  static override summary = 'Deploy the compose project as a preview environment and print its URLs.';
  static override description =
    'Runs the services on the profile\'s Docker host (default: the local engine), publishes every published port through the tunnel server ' +
    '(default: a local one, URLs on *.localhost) and checks each URL answers through the tunnel before printing it. Running it again updates the environment.';
  static override examples = ['<%= config.bin %> up', '<%= config.bin %> up web api --id my-feature', '<%= config.bin %> up -f compose.yaml -f compose.preview.yaml --json'];
  static override strict = false;
  static override args = { service: Args.string({ ignoreStdin: true, description: 'Deploy only these services (default: all).' }) };
  static override flags = {
    ...composeFlags,
    id: Flags.string({ description: 'Environment id (default: from the project and the git branch or the CI pull request).', env: 'PREEVY_ENV_ID' }),
    'agent-base-image': Flags.string({ description: 'Node.js 20+ image the agent image is built on.', env: 'PREEVY_AGENT_BASE_IMAGE' }),
    'sync-image': Flags.string({ description: 'Image (with sh and tar) that copies bind-mounted files to a remote Docker host.', env: 'PREEVY_SYNC_IMAGE' }),
    'load-image': Flags.string({ description: 'On a host that does not see local files (kube-pod, a remote engine): also send this local image there (repeatable), e.g. a build\'s base image.', multiple: true }),
    'build-local': Flags.boolean({ description: 'On such a host: build the services with the local engine and send the images, instead of building there.' }),
    'output-urls-to': Flags.file({ description: 'Also write the URLs as JSON to this file.' }),
    ...driverFlags,
  };

  async run(): Promise<UpResult> {
    const { argv } = await this.parse(Up);
    const f = this.flags;
    const { store, profile } = await resolveProfile(f.profile);
    const driver = commandDriver(store, profile, f);
    const result = await withInterruptSignal((signal) =>
      up(
        { compose: composeRequestFromFlags(f), envId: f.id, services: argv as string[], agentBaseImage: f['agent-base-image'], syncImage: f['sync-image'], loadImages: f['load-image'], buildLocal: f['build-local'], signal },
        { store, profile, driver, driverOptionTypes: DRIVER_OPTION_TYPES, tunnel: (projectTunnelUrl) => resolveTunnel(store, profile, this.logger, projectTunnelUrl), agentImage: agentImage(), progress: this.progress, logger: this.logger },
      ),
    );
    if (f['output-urls-to']) await writeFile(f['output-urls-to'], `${JSON.stringify(result.urls, null, 2)}\n`);
    this.log(renderTable(['service', 'port', 'url', 'access', 'status'], result.urls.map((u) => [u.service, String(u.port), u.url, u.access, String(u.httpStatus || 'no answer')])));
    return result;
  }
}
