import { Flags } from '@oclif/core';
import { parseDriverOptionAssignments, type DriverOptions } from '@preevy/core';
import { profileDriverOptions } from '../../../drivers/driver-flags.js';
import { BaseCommand } from '../../../base-command.js';
import { profileCatalog } from '../../../profiles/open-profile-store.js';
import { profileSettingsFlags, tunnelHostKeyFlag, tunnelUrlFlag } from '../profile-flags.js';
import { renderProfile, viewOfOpened, type ProfileView } from '../render-profile.js';

export default class ProfileConfigUpdate extends BaseCommand<typeof ProfileConfigUpdate> {
  static override summary = 'Change the settings of a profile (the current one unless --profile).';
  static override description =
    "Options are merged into the existing ones; a new --driver drops the previous driver's options. A new --tunnel-url drops the host key pin, unless --tunnel-host-key comes with it.";
  static override examples = [
    '<%= config.bin %> profile config update --tunnel-url ssh+tls://tunnel.example.com',
    '<%= config.bin %> profile config update --profile ci --driver kube-pod --driver-option namespace=previews',
    '<%= config.bin %> profile config update --unset-tunnel-url --unset-driver-option namespace',
    "<%= config.bin %> profile config update --tunnel-host-key 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA...'",
  ];

  static override flags = {
    ...profileSettingsFlags,
    'tunnel-url': tunnelUrlFlag(['unset-tunnel-url']),
    'unset-tunnel-url': Flags.boolean({ description: 'Go back to the embedded local tunnel server (drops the host key pin).', exclusive: ['tunnel-url', 'tunnel-host-key'] }),
    'tunnel-host-key': tunnelHostKeyFlag({ exclusive: ['unset-tunnel-host-key', 'unset-tunnel-url'] }),
    'unset-tunnel-host-key': Flags.boolean({ description: 'Remove the host key pin: the next `up` pins the key the server shows.', exclusive: ['tunnel-host-key'] }),
    'unset-driver-option': Flags.string({ description: 'Remove a default option of the driver (repeatable).', multiple: true, multipleNonGreedy: true }),
  };

  async run(): Promise<ProfileView> {
    const f = this.flags;
    const catalog = profileCatalog();
    const opened = await catalog.resolve(f.profile);
    const { store, profile: current } = opened;
    const { name } = current;
    const driverOptions = profileDriverOptions(f.driver ?? current.driver, f, parseDriverOptionAssignments(f['driver-option'] ?? [])) as DriverOptions;
    const profile = await store.update(name, {
      ...(f.driver === undefined ? {} : { driver: f.driver }),
      driverOptions,
      unsetDriverOptions: f['unset-driver-option'] ?? [],
      ...(f['unset-tunnel-url'] ? { tunnelUrl: null } : f['tunnel-url'] === undefined ? {} : { tunnelUrl: f['tunnel-url'] }),
      ...(f['unset-tunnel-host-key'] ? { tunnelHostKey: null } : f['tunnel-host-key'] === undefined ? {} : { tunnelHostKey: f['tunnel-host-key'] }),
    });
    const view = await viewOfOpened(catalog, { ...opened, profile }, f.profile);
    this.log(`Updated profile "${view.name}".\n${renderProfile(view)}`);
    return view;
  }
}
