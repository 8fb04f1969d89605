import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_STATE_FILE, type AgentState } from '@preevy/tunnel-protocol';
import { describe, expect, it } from 'vitest';
import { agentStateReader, type DockerCli } from './agent-state-reader.js';

const state = (envId: string): AgentState => ({ status: 'connected', envId, tunnels: [] });
/** A docker CLI whose `ps` finds the agent and whose `exec` prints `printed`; it counts its calls. */
/** `docker cp CONTAINER:FILE -` prints a tar of the file. */
const tarOf = (content: string): string => {
  const dir = mkdtempSync(join(tmpdir(), 'preevy-state-'));
  writeFileSync(join(dir, 'preevy-agent-state.json'), content);
  return execFileSync('tar', ['-C', dir, '--format=ustar', '-c', '-f', '-', 'preevy-agent-state.json']).toString('utf8');
};

const fakeDocker = (printed: AgentState, named = 'shop-main-preevy_agent-1', stateFile = false) => {
  const calls: string[] = [];
  const docker: DockerCli = async (args) => {
    calls.push(args[0] === 'exec' || args[0] === 'cp' ? `${args[0]} ${args[1]!.split(':')[0]}` : args[0]!);
    if (args[0] === 'ps') return { exitCode: 0, stdout: 'c0ffee\n', stderr: '' };
    if (args[0] === 'cp') {
      const found = stateFile && args[1] === `${named}:${AGENT_STATE_FILE}`;
      return found ? { exitCode: 0, stdout: tarOf(JSON.stringify(printed)), stderr: '' } : { exitCode: 1, stdout: '', stderr: 'Error response from daemon: Could not find the file' };
    }
    if (args[1] !== 'c0ffee' && args[1] !== named) return { exitCode: 1, stdout: '', stderr: `Error response from daemon: No such container: ${args[1]}` };
    return { exitCode: 0, stdout: JSON.stringify(printed), stderr: '' };
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
      expect(calls).toEqual(['ps', 'exec c0ffee']);
    }
  });

  it('should not try loopback when the agent is not on this machine\'s network', async () => {
    const { docker, calls } = fakeDocker(state('shop-main'));
    let fetched = 0;
    await agentStateReader({ docker, envId: 'shop-main', fetchLoopback: async () => (fetched++, state('shop-main')) })();
    expect(fetched).toBe(0);
    expect(calls).toEqual(['ps', 'exec c0ffee']);
  });

  it("should copy the agent's state file out of compose's container when the project is known: one docker call, no exec", async () => {
    const { docker, calls } = fakeDocker(state('shop-main'), undefined, true);
    expect(await agentStateReader({ docker, envId: 'shop-main', project: 'shop-main' })()).toEqual(state('shop-main'));
    expect(calls).toEqual(['cp shop-main-preevy_agent-1']);
  });

  it('should exec in that container when its agent keeps no state file (an older agent.image)', async () => {
    const { docker, calls } = fakeDocker(state('shop-main'));
    expect(await agentStateReader({ docker, envId: 'shop-main', project: 'shop-main' })()).toEqual(state('shop-main'));
    expect(calls).toEqual(['cp shop-main-preevy_agent-1', 'exec shop-main-preevy_agent-1']);
  });

  it('should find the agent by its labels when the name is not there (or is not our agent)', async () => {
    const { docker, calls } = fakeDocker(state('shop-main'), 'renamed');
    expect(await agentStateReader({ docker, envId: 'shop-main', project: 'shop-main' })()).toEqual(state('shop-main'));
    expect(calls).toEqual(['cp shop-main-preevy_agent-1', 'exec shop-main-preevy_agent-1', 'ps', 'exec c0ffee']);
  });
});
