// Fault injection for the test vtgate: break streams (clean end or a gRPC error) after N events, N
// responses or a chosen event; refuse new calls; stall data (vtgate heartbeats keep flowing); slow
// every response down; go silent (no data, no heartbeats). Every knob is bounded so a forgotten fault cannot hang a test run.
import { setTimeout as sleep } from 'node:timers/promises';
import { VtrpcCode } from '../../vstream/proto.js';
import type { VEventInit } from './proto-types.js';

export interface BreakSpec {
  /** Break once this many more events have been sent on the stream (checked per response). */
  afterEvents?: number;
  /** Break once this many more responses have been sent. */
  afterResponses?: number;
  /** Break right after a response holding an event this returns true for. With no condition at all, the
   * stream breaks after its next response. */
  when?: (event: VEventInit) => boolean;
  /** 'end' closes the stream cleanly (status OK); 'fail' (default) ends it with `code`. */
  action?: 'end' | 'fail';
  /** gRPC status code for 'fail'; default UNAVAILABLE. */
  code?: number;
  message?: string;
}

/** What the fault controller needs from an active stream. */
export interface FaultTarget {
  readonly eventsSent: number;
  readonly responsesSent: number;
  terminate(action: 'end' | 'fail', code: number, message: string): void;
}

interface ArmedBreak {
  spec: BreakSpec;
  /** Counts of each stream when the break was armed (streams started later count from 0). */
  bases: Map<FaultTarget, { events: number; responses: number }>;
}

const MAX_STALL_MS = 60_000;
const MAX_DELAY_MS = 10_000;

const clamp = (value: number, max: number) => Math.max(0, Math.min(max, Number.isFinite(value) ? value : 0));

export class FaultController {
  private readonly breaks: ArmedBreak[] = [];
  private readonly rejections: { code: number; message: string }[] = [];
  private readonly targets = new Set<FaultTarget>();
  private stallUntil = 0;
  private silenceUntil = 0;
  private slowUntil = 0;
  private slowDelayMs = 0;

  /** Arms a one-shot break for the first stream (running or future) that reaches the point. */
  breakStream(spec: BreakSpec = {}): void {
    const bases = new Map<FaultTarget, { events: number; responses: number }>();
    for (const t of this.targets) bases.set(t, { events: t.eventsSent, responses: t.responsesSent });
    this.breaks.push({ spec, bases });
  }

  /** The next `count` VStream calls fail at once (default UNAVAILABLE), before any event. */
  rejectCalls(
    count = 1,
    code: number = VtrpcCode.UNAVAILABLE,
    message = 'vtgate: no healthy tablet available',
  ): void {
    for (let i = 0; i < Math.min(count, 1000); i++) this.rejections.push({ code, message });
  }

  /** Fails every running stream now; returns how many. */
  failStreams(
    code: number = VtrpcCode.UNAVAILABLE,
    message = 'vtgate: stream broken by fault injection',
  ): number {
    const targets = [...this.targets];
    for (const t of targets) t.terminate('fail', code, message);
    return targets.length;
  }

  /** Ends every running stream cleanly (status OK) now; returns how many. */
  endStreams(): number {
    const targets = [...this.targets];
    for (const t of targets) t.terminate('end', VtrpcCode.OK, 'OK');
    return targets.length;
  }

  /** Holds back data for `ms` (at most 60 s); vtgate heartbeats still go out. */
  stall(ms: number): void {
    this.stallUntil = Date.now() + clamp(ms, MAX_STALL_MS);
  }

  /**
   * Sends nothing at all for `ms` (at most 60 s): no data and no vtgate heartbeats, as a vtgate whose tablet
   * stream hangs while the TCP connection stays up. Held data goes out afterwards.
   */
  silence(ms: number): void {
    this.silenceUntil = Date.now() + clamp(ms, MAX_STALL_MS);
  }

  /** True while `silence()` is in force (heartbeats are skipped). */
  get silenced(): boolean {
    return Date.now() < this.silenceUntil;
  }

  /** Delays every data response by `delayMs` (at most 10 s) for `durationMs` (at most 60 s). */
  slowDown(delayMs: number, durationMs = MAX_STALL_MS): void {
    this.slowDelayMs = clamp(delayMs, MAX_DELAY_MS);
    this.slowUntil = Date.now() + clamp(durationMs, MAX_STALL_MS);
  }

  reset(): void {
    this.breaks.length = 0;
    this.rejections.length = 0;
    this.stallUntil = this.silenceUntil = this.slowUntil = this.slowDelayMs = 0;
  }

  // -------------------------------------------------------------------------------------------
  // Used by the server and the streams

  takeRejection(): { code: number; message: string } | undefined {
    return this.rejections.shift();
  }

  attach(target: FaultTarget): void {
    this.targets.add(target);
  }

  detach(target: FaultTarget): void {
    this.targets.delete(target);
    for (const b of this.breaks) b.bases.delete(target);
  }

  /** Waits out a stall and a slow-down before a data response; returns early when `signal` aborts. */
  async beforeSend(signal: AbortSignal): Promise<void> {
    for (;;) {
      const wait = Math.max(this.stallUntil, this.silenceUntil) - Date.now();
      if (wait <= 0 || signal.aborted) break;
      await sleep(Math.min(wait, 50), undefined, { signal }).catch(() => undefined);
    }
    if (this.slowDelayMs > 0 && Date.now() < this.slowUntil && !signal.aborted) {
      await sleep(this.slowDelayMs, undefined, { signal }).catch(() => undefined);
    }
  }

  /** Checks the armed breaks after a response went out; triggers (and disarms) the first that is due. */
  afterSend(target: FaultTarget, events: readonly VEventInit[]): void {
    const index = this.breaks.findIndex(({ spec, bases }) => {
      const base = bases.get(target) ?? { events: 0, responses: 0 };
      if (spec.afterEvents === undefined && spec.afterResponses === undefined && !spec.when) return true;
      if (spec.afterEvents !== undefined && target.eventsSent - base.events >= spec.afterEvents) return true;
      if (spec.afterResponses !== undefined && target.responsesSent - base.responses >= spec.afterResponses)
        return true;
      return spec.when !== undefined && events.some(spec.when);
    });
    if (index < 0) return;
    const [{ spec }] = this.breaks.splice(index, 1) as [ArmedBreak];
    const action = spec.action ?? 'fail';
    target.terminate(
      action,
      action === 'end' ? VtrpcCode.OK : (spec.code ?? VtrpcCode.UNAVAILABLE),
      spec.message ?? 'vtgate: stream broken by fault injection',
    );
  }
}
