import Down from './commands/down.js';
import EnvId from './commands/env-id.js';
import GithubPrComment from './commands/github/pr/comment.js';
import GithubPrUncomment from './commands/github/pr/uncomment.js';
import Init from './commands/init.js';
import Logs from './commands/logs.js';
import Ls from './commands/ls.js';
import ProfileConfigUpdate from './commands/profile/config/update.js';
import ProfileConfigView from './commands/profile/config/view.js';
import ProfileCreate from './commands/profile/create.js';
import ProfileExport from './commands/profile/export.js';
import ProfileImport from './commands/profile/import.js';
import ProfileLink from './commands/profile/link.js';
import ProfileLs from './commands/profile/ls.js';
import ProfileRm from './commands/profile/rm.js';
import ProfileUse from './commands/profile/use.js';
import Purge from './commands/purge.js';
import TunnelServer from './commands/tunnel-server.js';
import TunnelServerStop from './commands/tunnel-server/stop.js';
import Up from './commands/up.js';
import Urls from './commands/urls.js';
import Version from './commands/version.js';
import WorkspaceDown from './commands/workspace/down.js';
import WorkspaceLogs from './commands/workspace/logs.js';
import WorkspaceLs from './commands/workspace/ls.js';
import WorkspaceSsh from './commands/workspace/ssh.js';
import WorkspaceSshConfig from './commands/workspace/ssh-config.js';
import WorkspaceStart from './commands/workspace/start.js';
import WorkspaceStdio from './commands/workspace/stdio.js';
import WorkspaceStop from './commands/workspace/stop.js';
import WorkspaceUp from './commands/workspace/up.js';

/** Every command, listed explicitly: oclif loads this one module instead of scanning a folder. */
export const COMMANDS = {
  down: Down,
  'env-id': EnvId,
  'github:pr:comment': GithubPrComment,
  'github:pr:uncomment': GithubPrUncomment,
  init: Init,
  logs: Logs,
  ls: Ls,
  'profile:config:update': ProfileConfigUpdate,
  'profile:config:view': ProfileConfigView,
  'profile:create': ProfileCreate,
  'profile:export': ProfileExport,
  'profile:import': ProfileImport,
  'profile:link': ProfileLink,
  'profile:ls': ProfileLs,
  'profile:rm': ProfileRm,
  'profile:use': ProfileUse,
  purge: Purge,
  'tunnel-server': TunnelServer,
  'tunnel-server:stop': TunnelServerStop,
  up: Up,
  urls: Urls,
  version: Version,
  'workspace:down': WorkspaceDown,
  'workspace:logs': WorkspaceLogs,
  'workspace:ls': WorkspaceLs,
  'workspace:ssh': WorkspaceSsh,
  'workspace:ssh-config': WorkspaceSshConfig,
  'workspace:start': WorkspaceStart,
  'workspace:stdio': WorkspaceStdio,
  'workspace:stop': WorkspaceStop,
  'workspace:up': WorkspaceUp,
};
