/**
 * Flow control as QStash applies it to the runs it starts: each key keeps a waitlist, and a run
 * is delivered when the key is not paused, fewer than `parallelism` of its runs are in flight,
 * and fewer than `rate` have started in the current period. A key's configuration follows the
 * messages that arrive under it unless it is pinned. Time runs `speedUp` times faster than the
 * wall clock, so a test can watch a redrive drain in milliseconds.
 */

export interface FlowConfig {
  parallelism?: number;
  rate?: number;
  /** Seconds. */
  period: number;
}

/**
 * A key as `GET /v2/flowControl/{key}` answers, in the published names, every field present as
 * the official clients type it (qstash-js `FlowControlInfo`): an unset limit is 0. The `omitEmpty`
 * quirk then leaves the zeros and false flags out, as QStash does.
 */
export interface FlowControlInfo {
  flowControlKey: string;
  waitlistSize: number;
  waitListSize: number;
  /** 0: no parallelism limit. */
  parallelismMax: number;
  parallelismCount: number;
  /** 0: no rate limit. */
  rateMax: number;
  rateCount: number;
  ratePeriod: number;
  ratePeriodStart: number;
  isPaused: boolean;
  isPinnedParallelism: boolean;
  isPinnedRate: boolean;
}

export interface DeliveryOptions {
  /** How much faster than the wall clock delivery runs (default 1). */
  speedUp?: number;
  /** How long a delivered run takes before it succeeds or fails, in emulated ms (default 500). */
  runMs?: number;
}

interface KeyState {
  key: string;
  config: FlowConfig;
  pinnedParallelism: boolean;
  pinnedRate: boolean;
  paused: boolean;
  waitlist: string[];
  inFlight: number;
  /** Emulated ms. */
  periodStart: number;
  startedInPeriod: number;
}

const DEFAULT_PERIOD_SECONDS = 1;
const PERIOD_UNITS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** `parallelism=5, rate=10, period=1m` → its parts; what is missing stays undefined. */
export function parseFlowControlValue(value: string | undefined): Partial<FlowConfig> {
  const config: Partial<FlowConfig> = {};
  for (const part of (value ?? "").split(",")) {
    const [name, raw] = part.split("=").map((text) => text.trim());
    if (!name || raw === undefined) continue;
    if (name === "parallelism" && /^\d+$/.test(raw)) config.parallelism = Number(raw);
    if (name === "rate" && /^\d+$/.test(raw)) config.rate = Number(raw);
    if (name === "period") {
      const match = /^(\d+)([smhd]?)$/.exec(raw);
      if (match) config.period = Number(match[1]) * (PERIOD_UNITS[match[2] || "s"] as number);
    }
  }
  return config;
}

export class FlowControl {
  private readonly keys = new Map<string, KeyState>();
  private readonly speedUp: number;
  private readonly runMs: number;
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    options: DeliveryOptions,
    /** A delivered run has finished running; `key` is the key it ran under, if any. */
    private readonly finish: (workflowRunId: string, key: string | undefined) => void,
  ) {
    this.speedUp = options.speedUp ?? 1;
    this.runMs = options.runMs ?? 500;
    if (!(this.speedUp > 0)) throw new RangeError("speedUp must be positive");
  }

  /** Emulated now, ms since the emulator started. */
  private now(): number {
    return (Date.now() - this.started) * this.speedUp;
  }

  /** A run to deliver: straight away without a key, through the key's waitlist with one. */
  submit(workflowRunId: string, key: string | undefined, value: string | undefined): void {
    if (this.closed) return;
    if (key === undefined) {
      this.run(workflowRunId, undefined);
      return;
    }
    const state = this.observe(key, value);
    state.waitlist.push(workflowRunId);
    this.pump();
  }

  /**
   * A message arrived under `key`: the key exists from now on and takes the configuration the
   * message carries, except what is pinned. Without delivery that is all a resume does to it.
   */
  observe(key: string, value: string | undefined): KeyState {
    const state = this.stateOf(key);
    const incoming = parseFlowControlValue(value);
    // A key follows the configuration its messages carry, except what is pinned.
    if (!state.pinnedParallelism && (incoming.parallelism !== undefined || incoming.rate !== undefined)) {
      if (incoming.parallelism === undefined) delete state.config.parallelism;
      else state.config.parallelism = incoming.parallelism;
    }
    if (!state.pinnedRate && (incoming.parallelism !== undefined || incoming.rate !== undefined)) {
      if (incoming.rate === undefined) delete state.config.rate;
      else state.config.rate = incoming.rate;
      state.config.period = incoming.period ?? DEFAULT_PERIOD_SECONDS;
    }
    return state;
  }

  info(key: string): FlowControlInfo | undefined {
    const state = this.keys.get(key);
    if (!state) return undefined;
    this.rollPeriod(state);
    const waiting = state.waitlist.length;
    return {
      flowControlKey: key,
      waitlistSize: waiting,
      waitListSize: waiting,
      parallelismMax: state.config.parallelism ?? 0,
      parallelismCount: state.inFlight,
      rateMax: state.config.rate ?? 0,
      rateCount: state.startedInPeriod,
      ratePeriod: state.config.period,
      ratePeriodStart: Math.floor((this.started + state.periodStart / this.speedUp) / 1000),
      isPaused: state.paused,
      isPinnedParallelism: state.pinnedParallelism,
      isPinnedRate: state.pinnedRate,
    };
  }

  list(): FlowControlInfo[] {
    return [...this.keys.keys()].sort().map((key) => this.info(key) as FlowControlInfo);
  }

  /** Each action answers false for a key nobody used. */
  pause(key: string): boolean {
    return this.change(key, (state) => {
      state.paused = true;
    });
  }

  resume(key: string): boolean {
    return this.change(key, (state) => {
      state.paused = false;
    });
  }

  /** Fixes what is given, ignoring what incoming messages carry; resets the rate state. */
  pin(key: string, config: Partial<FlowConfig>): boolean {
    return this.change(key, (state) => {
      if (config.parallelism !== undefined) {
        state.config.parallelism = config.parallelism;
        state.pinnedParallelism = true;
      }
      if (config.rate !== undefined || config.period !== undefined) {
        if (config.rate !== undefined) state.config.rate = config.rate;
        if (config.period !== undefined) state.config.period = config.period;
        state.pinnedRate = true;
      }
      state.periodStart = this.now();
      state.startedInPeriod = 0;
    });
  }

  /**
   * Releases the pins named (each flag defaults to false, as QStash has it), keeping the
   * configuration until a message changes it.
   */
  unpin(key: string, which: { parallelism?: boolean; rate?: boolean }): boolean {
    return this.change(key, (state) => {
      if (which.parallelism) state.pinnedParallelism = false;
      if (which.rate) state.pinnedRate = false;
    });
  }

  /** Ends the current period now: the rate count starts again. */
  resetRate(key: string): boolean {
    return this.change(key, (state) => {
      state.periodStart = this.now();
      state.startedInPeriod = 0;
    });
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const timer of this.running) clearTimeout(timer);
    this.running.clear();
  }

  private change(key: string, apply: (state: KeyState) => void): boolean {
    const state = this.keys.get(key);
    if (!state) return false;
    apply(state);
    this.pump();
    return true;
  }

  private stateOf(key: string): KeyState {
    let state = this.keys.get(key);
    if (!state) {
      state = {
        key,
        config: { period: DEFAULT_PERIOD_SECONDS },
        pinnedParallelism: false,
        pinnedRate: false,
        paused: false,
        waitlist: [],
        inFlight: 0,
        periodStart: this.now(),
        startedInPeriod: 0,
      };
      this.keys.set(key, state);
    }
    return state;
  }

  private rollPeriod(state: KeyState): void {
    const length = state.config.period * 1000;
    const now = this.now();
    if (now - state.periodStart >= length) {
      state.periodStart = now - ((now - state.periodStart) % length);
      state.startedInPeriod = 0;
    }
  }

  /** Delivers what may go now, and wakes up when the next period lets more go. */
  private pump(): void {
    if (this.closed) return;
    let wakeIn = Number.POSITIVE_INFINITY;
    for (const state of this.keys.values()) {
      if (state.paused) continue;
      this.rollPeriod(state);
      while (state.waitlist.length > 0) {
        if (state.config.parallelism !== undefined && state.inFlight >= state.config.parallelism) break;
        if (state.config.rate !== undefined && state.startedInPeriod >= state.config.rate) {
          wakeIn = Math.min(wakeIn, state.periodStart + state.config.period * 1000 - this.now());
          break;
        }
        const runId = state.waitlist.shift() as string;
        state.startedInPeriod += 1;
        state.inFlight += 1;
        this.run(runId, state);
      }
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (Number.isFinite(wakeIn)) {
      this.timer = setTimeout(() => this.pump(), Math.max(1, wakeIn / this.speedUp));
      this.timer.unref?.();
    }
  }

  private run(workflowRunId: string, state: KeyState | undefined): void {
    const timer = setTimeout(() => {
      this.running.delete(timer);
      if (state) state.inFlight -= 1;
      if (!this.closed) this.finish(workflowRunId, state?.key);
      this.pump();
    }, this.runMs / this.speedUp);
    timer.unref?.();
    this.running.add(timer);
  }
}
