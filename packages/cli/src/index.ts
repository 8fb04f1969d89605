export { main } from './main.js';
export type { MainIo } from './main.js';
export { BaseCommand } from './base-command.js';
export { COMMANDS } from './commands.js';
