import { BaseCommand } from '../base-command.js';

export interface VersionResult {
  version: string;
  node: string;
  platform: string;
  arch: string;
}

export default class Version extends BaseCommand<typeof Version> {
  static override summary = 'Print the version of preevy and of its runtime.';
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version --json'];

  async run(): Promise<VersionResult> {
    const result = { version: this.config.version, node: process.version, platform: process.platform, arch: process.arch };
    this.log(`preevy ${result.version} (node ${result.node}, ${result.platform}-${result.arch})`);
    return result;
  }
}
