import { statSync } from 'node:fs';

/** A file's modification time in ms (activity recorded by touching it); undefined when it does not exist. */
export const fileMtime = (path: string): number | undefined => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
};
