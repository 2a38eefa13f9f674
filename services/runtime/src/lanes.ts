/** How {@link processInLanes} goes through a batch. */
export interface LaneOptions<T> {
  /**
   * The lane an item belongs to (a Kinesis partition key, an SQS message
   * id). A lane's items are processed one at a time, in the order given.
   */
  readonly laneOf: (item: T) => string;
  /** Lanes processed at once; at least one. */
  readonly concurrency: number;
  /**
   * Processes one item. Resolving `false`, or throwing, fails it: its lane
   * stops there, and its later items are not processed.
   */
  readonly process: (item: T, lane: string) => Promise<unknown>;
  /** Hears of each item whose processing threw, before its lane stops. */
  readonly onError?: (item: T, error: unknown) => void;
}

/** What became of a batch. */
export interface LaneReport<T> {
  /** The item each failed lane stopped at, in the order of the batch. */
  readonly failed: readonly T[];
  /** Items not processed because an earlier item of their lane failed, in the order of the batch. */
  readonly skipped: readonly T[];
}

/**
 * Processes a batch in lanes: different lanes concurrently, at most
 * `concurrency` at a time, while the items of one lane go strictly in order
 * and stop at the lane's first failure. So a later item of a lane never
 * overtakes one that will be retried (a Kinesis partition key's order), and
 * one slow or failing lane never holds up the others.
 */
export async function processInLanes<T>(
  items: readonly T[],
  options: LaneOptions<T>,
): Promise<LaneReport<T>> {
  // Lanes hold positions in the batch, so equal items (or one item given twice) stay apart.
  const lanes = new Map<string, number[]>();
  for (const [i, item] of items.entries()) {
    const key = options.laneOf(item);
    const lane = lanes.get(key) ?? [];
    lane.push(i);
    lanes.set(key, lane);
  }
  const outcome: ('failed' | 'skipped' | undefined)[] = [];
  const queue = [...lanes];
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const [key, lane] = next;
      for (const [n, i] of lane.entries()) {
        if (await succeeds(options, items[i] as T, key)) continue;
        outcome[i] = 'failed';
        for (const later of lane.slice(n + 1)) outcome[later] = 'skipped';
        break;
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency, queue.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return {
    failed: items.filter((_, i) => outcome[i] === 'failed'),
    skipped: items.filter((_, i) => outcome[i] === 'skipped'),
  };
}

async function succeeds<T>(options: LaneOptions<T>, item: T, lane: string): Promise<boolean> {
  try {
    return (await options.process(item, lane)) !== false;
  } catch (error) {
    options.onError?.(item, error);
    return false;
  }
}
