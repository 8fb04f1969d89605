import type { AgentState } from '@preevy/tunnel-protocol';
import { describe, expect, it } from 'vitest';
import { agentStateReader, type DockerCli } from './agent-state-reader.js';

const state = (envId: string): AgentState => ({ status: 'connected', envId, tunnels: [] });
/** A docker CLI whose `ps` finds the agent and whose `exec` prints `printed`; it counts its calls. */
const fakeDocker = (printed: AgentState) => {
  const calls: string[] = [];
  const docker: DockerCli = async (args) => {
    calls.push(args[0]!);
    return args[0] === 'ps' ? { exitCode: 0, stdout: 'c0ffee\n', stderr: '' } : { exitCode: 0, stdout: JSON.stringify(printed), stderr: '' };
  };
  return { docker, calls };
};

describe('agentStateReader', () => {
  it('should read an agent on this machine over loopback, without docker', async () => {
    const { docker, calls } = fakeDocker(state('shop-main'));
    const read = agentStateReader({ docker, envId: 'shop-main', loopbackPort: 20_001, fetchLoopback: async () => state('shop-main') });
    expect(await read()).toEqual(state('shop-main'));
    expect(calls).toEqual([]);
  });

  it('should fall back to docker exec when the loopback port answers for another environment, or not at all', async () => {
    for (const answer of [state('other-env'), undefined]) {
      const { docker, calls } = fakeDocker(state('shop-main'));
      const read = agentStateReader({ docker, envId: 'shop-main', loopbackPort: 20_001, fetchLoopback: async () => answer });
      expect(await read()).toEqual(state('shop-main'));
      expect(calls).toEqual(['ps', 'exec']);
    }
  });

  it('should not try loopback when the agent is not on this machine\'s network', async () => {
    const { docker, calls } = fakeDocker(state('shop-main'));
    let fetched = 0;
    await agentStateReader({ docker, envId: 'shop-main', fetchLoopback: async () => (fetched++, state('shop-main')) })();
    expect(fetched).toBe(0);
    expect(calls).toEqual(['ps', 'exec']);
  });
});
