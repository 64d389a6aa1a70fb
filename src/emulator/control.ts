/**
 * The emulator's own endpoints under `/__emulator/`: a process that did not start the emulator,
 * such as a benchmark against the standalone command, can read its state and reset it. They are
 * not QStash's API, so they are neither recorded nor faulted.
 */
import { BadRequest, refuseUnknownParams, single } from "./params.js";
import type { ApiResult } from "./routes.js";

export interface EmulatorState {
  entries: number;
  resumed: number;
  requests: number;
}

export interface ControlResetOptions {
  entries?: number;
  seed?: number;
  now?: number;
}

/**
 * What the control endpoints act on. The listener's context provides it; defined here, not there,
 * so these endpoints depend on nothing of the listener that calls them.
 */
export interface EmulatorControl {
  state(): EmulatorState;
  reset(options: ControlResetOptions): void;
}

export const CONTROL_PREFIX = "/__emulator/";

function parseControlInt(params: URLSearchParams, name: string, allowNegative: boolean): number | undefined {
  const raw = single(params, name);
  if (raw === undefined) return undefined;
  const parsed = (allowNegative ? /^-?\d+$/ : /^\d+$/).test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(parsed)) throw new BadRequest(`${name} must be an integer, got "${raw}"`);
  return parsed;
}

const CONTROL_RESET_PARAMS: ReadonlySet<string> = new Set(["entries", "seed", "now"]);

function controlResetOptions(params: URLSearchParams): ControlResetOptions {
  const options: ControlResetOptions = {};
  const entries = parseControlInt(params, "entries", false);
  const seed = parseControlInt(params, "seed", true);
  const now = parseControlInt(params, "now", false);
  if (entries !== undefined) options.entries = entries;
  if (seed !== undefined) options.seed = seed;
  if (now !== undefined) options.now = now;
  return options;
}

export function control(
  ctx: EmulatorControl,
  method: string,
  url: URL,
): ApiResult & { headers?: Record<string, string> } {
  const notAllowed = (allow: string) => ({
    status: 405,
    body: { error: "method not allowed" },
    headers: { allow },
  });
  if (url.pathname === `${CONTROL_PREFIX}state`) {
    if (method !== "GET") return notAllowed("GET");
    try {
      refuseUnknownParams(url.searchParams, new Set());
    } catch (error) {
      if (error instanceof BadRequest) return { status: 400, body: { error: error.message } };
      throw error;
    }
    return { status: 200, body: ctx.state() };
  }
  if (url.pathname === `${CONTROL_PREFIX}reset`) {
    if (method !== "POST") return notAllowed("POST");
    try {
      refuseUnknownParams(url.searchParams, CONTROL_RESET_PARAMS);
      ctx.reset(controlResetOptions(url.searchParams));
    } catch (error) {
      if (error instanceof BadRequest || error instanceof RangeError)
        return { status: 400, body: { error: error.message } };
      throw error;
    }
    return { status: 200, body: ctx.state() };
  }
  return { status: 404, body: { error: "not found" } };
}
