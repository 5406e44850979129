import { describe, expect, it } from '@jest/globals';
import type { ProcessExit } from './managed-process';
import { ProcessSupervisor, type SupervisedProcess, type SupervisorTimers } from './process-supervisor';
import { diedUnexpectedly, RestartBackoff } from './restart-policy';

/** A clock and timer that move only when the test says so. */
class FakeTimers implements SupervisorTimers {
  private time = 0;
  private nextId = 1;
  private readonly due = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.due.set(id, { at: this.time + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }

  /** Moves the clock, running each timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const next = [...this.due.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      this.due.delete(next[0]);
      this.time = next[1].at;
      next[1].callback();
    }
    this.time = end;
  }

  get pending(): number {
    return this.due.size;
  }
}

class FakeProcess implements SupervisedProcess {
  readonly logFile: string;
  readonly notes: string[] = [];
  readonly exited: Promise<ProcessExit>;
  private exit?: ProcessExit;
  private end!: (exit: ProcessExit) => void;

  constructor(
    readonly name: string,
    readonly pid: number,
  ) {
    this.logFile = `/logs/${name}.log`;
    this.exited = new Promise((resolve) => (this.end = resolve));
  }

  die(exit: ProcessExit): void {
    this.exit = exit;
    this.end(exit);
  }

  describeExit(): string | undefined {
    return this.exit && (this.exit.signal ? `was killed by ${this.exit.signal}` : `exited with code ${this.exit.code}`);
  }

  tail(): string {
    return 'last log line';
  }

  note(line: string): void {
    this.notes.push(line);
  }
}

/** Lets the exit promise's handlers run (no timer, no sleep). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

function supervise(options: { restart?: boolean; failSpawns?: number } = {}) {
  const timers = new FakeTimers();
  const lines: string[] = [];
  const spawned: FakeProcess[] = [];
  const replaced: FakeProcess[] = [];
  let pid = 100;
  let failures = options.failSpawns ?? 0;
  const first = new FakeProcess('agent-b', pid);
  const sut = new ProcessSupervisor(first, {
    respawn: () => {
      if (failures-- > 0) throw new Error('spawn EAGAIN');
      const next = new FakeProcess('agent-b', ++pid);
      spawned.push(next);
      return next;
    },
    replaced: (p) => replaced.push(p),
    log: (line) => lines.push(line),
    restart: options.restart ?? true,
    timers,
  });
  return { sut, timers, lines, spawned, replaced, first };
}

const SIGKILL: ProcessExit = { code: null, signal: 'SIGKILL' };

describe('RestartBackoff', () => {
  it('waits 1 s, doubling to 30 s, and starts over after a minute of health', () => {
    const sut = new RestartBackoff();
    expect([0, 0, 0, 0, 0, 0, 0, 0].map(() => sut.delayAfter(500))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    expect(sut.delayAfter(59_999)).toBe(30_000);
    expect(sut.delayAfter(60_000)).toBe(1_000);
    expect(sut.delayAfter(10)).toBe(2_000);
  });

  it('stays at the ceiling however many failures there were', () => {
    const sut = new RestartBackoff();
    for (let i = 0; i < 2_000; i++) sut.delayAfter(0);
    expect(sut.delayAfter(0)).toBe(30_000);
  });
});

describe('diedUnexpectedly', () => {
  it.each<[ProcessExit, boolean]>([
    [{ code: 1, signal: null }, true],
    [{ code: 134, signal: null }, true],
    [{ code: null, signal: 'SIGKILL' }, true],
    [{ code: null, signal: 'SIGSEGV' }, true],
    [{ code: null, signal: 'SIGABRT' }, true],
    [{ code: 0, signal: null }, false],
    [{ code: null, signal: 'SIGTERM' }, false],
    [{ code: null, signal: 'SIGINT' }, false],
    [{ code: null, signal: 'SIGHUP' }, false],
  ])('%j -> %s', (exit, expected) => {
    expect(diedUnexpectedly(exit)).toBe(expected);
  });
});

describe('ProcessSupervisor', () => {
  it('restarts a killed process after 1 s and says why it died', async () => {
    const { sut, timers, lines, spawned, replaced, first } = supervise();
    timers.advance(5_000);
    first.die(SIGKILL);
    await settle();
    expect(lines).toEqual(['agent-b (pid 100) was killed by SIGKILL after 5 s; restarting it in 1 s (restart 1). The end of its log (/logs/agent-b.log):\nlast log line']);
    expect(first.notes).toEqual(['agent-b (pid 100) was killed by SIGKILL after 5 s; the launcher restarts it in 1 s (restart 1)']);
    expect(sut.restartPending).toBe(true);
    timers.advance(999);
    expect(spawned).toHaveLength(0);
    timers.advance(1);
    expect(spawned.map((p) => p.pid)).toEqual([101]);
    expect(replaced).toEqual(spawned);
    expect(sut.process).toBe(spawned[0]);
    expect(sut.restartCount).toBe(1);
    expect(lines[1]).toBe('agent-b restarted (pid 101, restart 1)');
  });

  it('doubles the wait for a process that keeps dying, and starts over after a minute of health', async () => {
    const { sut, timers, lines } = supervise();
    const waits: string[] = [];
    for (let i = 0; i < 7; i++) {
      sut.process.die({ code: 1, signal: null });
      await settle();
      waits.push(/restarting it in ([\d.]+ s)/.exec(lines[lines.length - 1])![1]);
      timers.advance(30_000);
    }
    expect(waits).toEqual(['1 s', '2 s', '4 s', '8 s', '16 s', '30 s', '30 s']);
    timers.advance(60_000);
    sut.process.die({ code: 1, signal: null });
    await settle();
    expect(lines[lines.length - 1]).toContain('exited with code 1 after 60 s; restarting it in 1 s (restart 8)');
  });

  it('restarts nothing once stopped, and cancels a pending restart', async () => {
    const { sut, timers, spawned, first } = supervise();
    first.die(SIGKILL);
    await settle();
    expect(timers.pending).toBe(1);
    sut.stop();
    expect(timers.pending).toBe(0);
    timers.advance(60_000);
    expect(spawned).toHaveLength(0);

    const other = supervise();
    other.sut.stop();
    other.first.die(SIGKILL);
    await settle();
    expect(other.lines).toEqual([]);
    expect(other.timers.pending).toBe(0);
  });

  it('leaves a process stopped on purpose stopped, and says so', async () => {
    const { sut, timers, lines, spawned, first } = supervise();
    let gaveUp = false;
    void sut.gaveUp.then(() => (gaveUp = true));
    first.die({ code: null, signal: 'SIGTERM' });
    await settle();
    timers.advance(60_000);
    expect(spawned).toHaveLength(0);
    expect(lines).toEqual(['agent-b (pid 100) was killed by SIGTERM: stopped on purpose, so it is not restarted; the others carry on.']);
    expect(gaveUp).toBe(true);
  });

  it('with --no-restart only reports the death', async () => {
    const { sut, timers, lines, spawned, first } = supervise({ restart: false });
    let gaveUp = false;
    void sut.gaveUp.then(() => (gaveUp = true));
    first.die(SIGKILL);
    await settle();
    timers.advance(60_000);
    expect(spawned).toHaveLength(0);
    expect(lines[0]).toMatch(/^agent-b \(pid 100\) was killed by SIGKILL; the others carry on \(--no-restart\)\. The end of its log/);
    expect(gaveUp).toBe(true);
  });

  it('keeps trying, with the back-off, when starting the process fails', async () => {
    const { timers, lines, spawned, first } = supervise({ failSpawns: 2 });
    first.die(SIGKILL);
    await settle();
    timers.advance(1_000);
    expect(lines[1]).toBe('could not restart agent-b (spawn EAGAIN); restarting it in 2 s (restart 1).');
    timers.advance(2_000);
    expect(lines[2]).toContain('restarting it in 4 s');
    timers.advance(4_000);
    expect(spawned.map((p) => p.pid)).toEqual([101]);
    expect(lines[3]).toBe('agent-b restarted (pid 101, restart 1)');
  });
});
