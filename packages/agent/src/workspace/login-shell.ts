/** The account a process runs as, from the passwd database. */
export interface LoginAccount {
  name: string;
  home: string;
  shell: string;
}

const FALLBACK_SHELL = '/bin/sh';

/**
 * The passwd entry of `uid` (`/etc/passwd` text), else a stand-in built from what the process
 * knows: containers often run as a uid with no entry, and a shell must start anyway.
 */
export const loginAccount = (uid: number, passwdText: string | undefined, env: NodeJS.ProcessEnv): LoginAccount => {
  for (const line of (passwdText ?? '').split('\n')) {
    const fields = line.split(':');
    if (fields.length < 7 || Number(fields[2]) !== uid || fields[2] === '') continue;
    const [name = '', , , , , home = '', shell = ''] = fields;
    return { name, home: home || '/', shell: shell.trim() || FALLBACK_SHELL };
  }
  return { name: env.USER ?? env.LOGNAME ?? String(uid), home: env.HOME ?? '/', shell: FALLBACK_SHELL };
};
