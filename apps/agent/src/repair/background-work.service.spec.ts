import { Logger } from '@nestjs/common';
import { AgentConfig } from '../config/agent-config';
import { asReal, type PublicOf } from '../testing/typed-fakes';
import type { AuditResult, Auditor } from './auditor';
import { BackgroundWorkService } from './background-work.service';
import type { PassResult, Replicator } from './replicator';

/** A pass that counts its runs and finishes when the spec says so (or at once). */
class ScriptedPasses<T> {
  runs = 0;
  failNext = false;
  private pending?: () => void;
  held = false;

  constructor(private readonly result: T) {}

  async runPass(): Promise<T> {
    this.runs++;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('backend gone');
    }
    if (this.held) await new Promise<void>((resolve) => (this.pending = resolve));
    return this.result;
  }

  finish(): void {
    this.held = false;
    this.pending?.();
  }
}

const passResult: PassResult = { scanned: 0, pushed: 0, moved: 0, reclaimed: 0, failures: 0, remainingByOption: {} };
const auditResult: AuditResult = { audited: 0, corrupt: 0, repaired: 0 };

describe('BackgroundWorkService', () => {
  let replicator: ScriptedPasses<PassResult>;
  let auditor: ScriptedPasses<AuditResult> & { repair: PublicOf<Auditor>['repair'] };
  let sut: BackgroundWorkService;

  beforeEach(() => {
    Logger.overrideLogger(false);
    jest.useFakeTimers();
    const config = new AgentConfig();
    config.replication.intervalMs = 1_000;
    config.audit.intervalMs = 5_000;
    replicator = new ScriptedPasses(passResult);
    auditor = Object.assign(new ScriptedPasses(auditResult), { repair: async () => false });
    sut = new BackgroundWorkService(config, asReal<Replicator>(replicator), asReal<Auditor>(auditor));
  });

  afterEach(() => {
    sut.stop();
    jest.useRealTimers();
  });

  it('runs nothing until started, and each pass first after its interval', async () => {
    await jest.advanceTimersByTimeAsync(10_000);
    expect([replicator.runs, auditor.runs]).toEqual([0, 0]);
    sut.start();
    await jest.advanceTimersByTimeAsync(999);
    expect(replicator.runs).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(replicator.runs).toBe(1);
    await jest.advanceTimersByTimeAsync(4_000);
    expect([replicator.runs, auditor.runs]).toEqual([5, 1]);
  });

  it('runs one pass at a time: the next waits for the previous to finish, then an interval', async () => {
    replicator.held = true;
    sut.start();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(replicator.runs).toBe(1);
    replicator.finish();
    await jest.advanceTimersByTimeAsync(999);
    expect(replicator.runs).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(replicator.runs).toBe(2);
  });

  it('keeps going after a failed pass', async () => {
    replicator.failNext = true;
    sut.start();
    await jest.advanceTimersByTimeAsync(2_000);
    expect(replicator.runs).toBe(2);
  });

  it('runs no pass after stop, not even after one that was in flight', async () => {
    replicator.held = true;
    sut.start();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(replicator.runs).toBe(1);
    sut.stop();
    replicator.finish();
    await jest.advanceTimersByTimeAsync(60_000);
    expect([replicator.runs, auditor.runs]).toEqual([1, 0]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('runs a registered pass on its own timer from start to stop, and starts one registered after start', async () => {
    let early = 0;
    let late = 0;
    sut.register('early', 2_000, async () => {
      early++;
    });
    await jest.advanceTimersByTimeAsync(10_000);
    expect(early).toBe(0);
    sut.start();
    await jest.advanceTimersByTimeAsync(4_000);
    expect(early).toBe(2);
    sut.register('late', 500, async () => {
      late++;
      if (late === 1) throw new Error('a failed pass does not stop the next');
    });
    await jest.advanceTimersByTimeAsync(1_000);
    expect(late).toBe(2);
    sut.stop();
    await jest.advanceTimersByTimeAsync(60_000);
    expect([early, late]).toEqual([2, 2]);
  });
});
