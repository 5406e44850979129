import { beforeEach, describe, expect, it } from '@jest/globals';
import { BadRequestError, ConflictError, NotFoundError } from '@mcos/common';
import { defaultStorageOptions } from '../config/controller-config';
import { createTestCore, join, type TestCore } from '../testing/test-core';
import { optionProblems, readsOwnWrites } from './option-rules';

describe('option rules', () => {
  it('require 1 <= W <= R and 1 <= Rq <= R', () => {
    expect(optionProblems({ replicas: 3, writeQuorum: 2, readQuorum: 2 })).toEqual([]);
    expect(optionProblems({ replicas: 3, writeQuorum: 4, readQuorum: 1 })).toEqual(['writeQuorum must be between 1 and replicas (3)']);
    expect(optionProblems({ replicas: 2, writeQuorum: 1, readQuorum: 3 })).toEqual(['readQuorum must be between 1 and replicas (2)']);
    expect(optionProblems({ replicas: 0, writeQuorum: 0, readQuorum: 0 })).toHaveLength(3);
    expect(optionProblems({ replicas: 1.5, writeQuorum: 1, readQuorum: 1 })).toEqual(['replicas must be an integer >= 1']);
  });

  it('know when reads see the latest write', () => {
    expect(readsOwnWrites({ replicas: 3, writeQuorum: 2, readQuorum: 2 })).toBe(true);
    expect(readsOwnWrites({ replicas: 3, writeQuorum: 1, readQuorum: 1 })).toBe(false);
  });
});

describe('OptionsService', () => {
  let core: TestCore;

  beforeEach(async () => {
    core = await createTestCore();
  });

  it('seeds the configured defaults once', async () => {
    expect((await core.options.list()).map((o) => [o.name, o.replicas, o.writeQuorum, o.readQuorum])).toEqual([
      ['async-3', 3, 1, 1],
      ['single', 1, 1, 1],
      ['standard', 3, 2, 2],
      ['sync-3', 3, 3, 1],
    ]);
    await core.options.delete('single');
    await core.options.seedDefaults(defaultStorageOptions());
    expect((await core.options.list()).map((o) => o.name)).not.toContain('single');
  });

  it('refuses defaults that break the quorum rules', async () => {
    await core.repos.state.set('optionsSeeded', '');
    await expect(core.options.seedDefaults([{ name: 'bad', replicas: 2, writeQuorum: 3, readQuorum: 1 }])).rejects.toThrow(
      'Invalid configuration: defaultOptions bad: writeQuorum must be between 1 and replicas (2)',
    );
  });

  it('creates an option and publishes a new map with it', async () => {
    const version = core.clusterMap.version;
    const sut = await core.options.create({ name: 'eu', replicas: 2, writeQuorum: 2, readQuorum: 1, placement: { regions: ['eu'], services: [] } });
    expect(sut).toMatchObject({ name: 'eu', readYourWrites: true, placement: { regions: ['eu'] } });
    expect(core.clusterMap.version).toBe(version + 1);
    expect(core.clusterMap.currentMap().options.find((o) => o.name === 'eu')).toEqual({ name: 'eu', replicas: 2, writeQuorum: 2, readQuorum: 1, placement: { regions: ['eu'] } });
  });

  it('validates W and Rq against R, on create and on change', async () => {
    await expect(core.options.create({ name: 'x', replicas: 2, writeQuorum: 3, readQuorum: 1 })).rejects.toThrow(BadRequestError);
    await expect(core.options.update('standard', { replicas: 1 })).rejects.toThrow('writeQuorum must be between 1 and replicas (1); readQuorum must be between 1 and replicas (1)');
    await expect(core.options.create({ name: 'standard', replicas: 1, writeQuorum: 1, readQuorum: 1 })).rejects.toThrow(ConflictError);
    await expect(core.options.update('nope', {})).rejects.toThrow(NotFoundError);
  });

  it('refuses a change that would leave a ring with fewer services than replicas', async () => {
    for (const name of ['a', 'b', 'c']) await join(core, name);
    await expect(core.options.update('standard', { replicas: 4, writeQuorum: 3 })).rejects.toThrow(/has a ring and would need 4 eligible services; only 3 match/);
  });

  it('changes quorums without a new ring, and clears placement with null', async () => {
    await core.options.create({ name: 'eu', replicas: 1, writeQuorum: 1, readQuorum: 1, placement: { regions: ['eu'] } });
    for (const name of ['a', 'b', 'c']) await join(core, name, 'eu');
    const ring = core.repos.rings.pairs.get('standard')!.current.version;
    const sut = await core.options.update('standard', { writeQuorum: 3 });
    expect(sut.writeQuorum).toBe(3);
    expect(core.repos.rings.pairs.get('standard')!.current.version).toBe(ring);
    expect((await core.options.update('eu', { placement: null })).placement).toBeUndefined();
  });

  describe('delete', () => {
    beforeEach(async () => {
      for (const name of ['a', 'b', 'c']) await join(core, name);
    });

    const pollAll = async () => {
      const services = await core.registry.pollTargets();
      await core.registry.applyPollOutcomes(await Promise.all(services.map(async (service) => ({ service, health: await core.agents.health(service.url) }))));
    };

    it('is refused while an ACTIVE agent has not reported since start', async () => {
      await expect(core.options.delete('single')).rejects.toThrow(/Cannot tell whether option single is unused: ACTIVE service\(s\) a, b, c have not reported/);
    });

    it('is refused while an agent reports containers using the option', async () => {
      core.agents.agents.get('http://b.test')!.containersByOption = { single: 2 };
      await pollAll();
      await expect(core.options.delete('single')).rejects.toThrow('Option single is used by 2 container(s)');
      expect((await core.options.get('single')).containers).toBe(2);
    });

    it('removes an unused option and its rings, and publishes', async () => {
      await pollAll();
      const version = core.clusterMap.version;
      await core.options.delete('single');
      expect(core.repos.rings.pairs.has('single')).toBe(false);
      expect(core.clusterMap.version).toBe(version + 1);
      expect(core.clusterMap.currentMap().rings.map((r) => r.option)).not.toContain('single');
      await expect(core.options.get('single')).rejects.toThrow(NotFoundError);
    });
  });
});
