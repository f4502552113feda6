/** Sizes per mode. Quick keeps every scenario but scales data down so the run fits in 3 minutes. */
export interface BenchOptions {
  mode: "quick" | "full";
  repeats: number;
  /** B1/B2 repeats (each is a full round at every device count). */
  pushRepeats: number;
  pushDevices: number[];
  batchesPerDevice: number;
  deltaLogRows: number;
  deltaPull: number;
  initialSyncEntities: number;
  queueNoopJobs: number;
  /** B5: devices whose async pushes the worker drains, and as many pushing inline for the comparison. */
  queueDevices: number;
  /** B6: devices on the events stream, the reconnect storm (devices × changes per push), idle streams for the memory figure. */
  propagationSeconds: number;
  propagationDevices: number;
  propagationStorm: { devices: number; changes: number };
  idleStreams: number;
  scalingLevels: number[];
  /** Measured rounds per scaling level, after its warm-up rounds. */
  scalingRepeats: number;
  clientChanges: number;
  only: Set<string> | null;
}

export function parseOptions(argv: string[]): BenchOptions {
  const quick = argv.includes("--quick");
  const onlyArg = argv.find((a) => a.startsWith("--only="));
  const only = onlyArg ? new Set(onlyArg.slice(7).split(",")) : null;
  const repeatsArg = argv.find((a) => a.startsWith("--repeats="));
  const base: BenchOptions = quick
    ? {
        mode: "quick",
        repeats: 3,
        pushRepeats: 2,
        // 32 devices (16,000 changes a round) only in the full run: it alone would take the quick run's budget.
        pushDevices: [1, 8],
        batchesPerDevice: 1,
        deltaLogRows: 100_000,
        deltaPull: 10_000,
        initialSyncEntities: 10_000,
        queueNoopJobs: 5_000,
        queueDevices: 4,
        propagationSeconds: 6,
        propagationDevices: 50,
        propagationStorm: { devices: 4, changes: 500 },
        idleStreams: 500,
        scalingLevels: [1_000, 10_000, 50_000],
        scalingRepeats: 5,
        clientChanges: 1_000,
        only,
      }
    : {
        mode: "full",
        repeats: 5,
        pushRepeats: 5,
        pushDevices: [1, 8, 32],
        batchesPerDevice: 2,
        deltaLogRows: 1_000_000,
        deltaPull: 10_000,
        initialSyncEntities: 100_000,
        queueNoopJobs: 50_000,
        queueDevices: 8,
        propagationSeconds: 60,
        propagationDevices: 2_000,
        propagationStorm: { devices: 32, changes: 500 },
        idleStreams: 5_000,
        scalingLevels: [1_000, 100_000, 1_000_000],
        scalingRepeats: 11,
        clientChanges: 10_000,
        only,
      };
  // B6 at another fleet size (e.g. what this machine carries): `--devices=1000`.
  const devicesArg = argv.find((a) => a.startsWith("--devices="));
  const sized = devicesArg ? { ...base, propagationDevices: positive(devicesArg.slice(10), "--devices") } : base;
  if (!repeatsArg) return sized;
  const repeats = Number(repeatsArg.slice(10));
  return { ...sized, repeats, pushRepeats: repeats, scalingRepeats: repeats };
}

function positive(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 2) throw new Error(`${name} takes a whole number of at least 2, not ${JSON.stringify(text)}`);
  return value;
}
