/**
 * Tracks which of a shard's read records are finished, to find the point the
 * shard may be checkpointed to.
 *
 * With one lane this is simply the last record of the last finished batch.
 * With several lanes (ParallelizationFactor > 1), batches finish out of shard
 * order, and a checkpoint past an unfinished record would lose it on restart;
 * so the checkpoint is the highest sequence number below which every read
 * record is finished.
 */
export class CheckpointTracker {
  /** Sequence numbers in read order; `#head` is the first one not yet behind the checkpoint. */
  #order: string[] = [];
  #head = 0;
  #done = new Set<string>();

  /** Registers records in the order they were read. */
  add(sequenceNumbers: Iterable<string>): void {
    for (const s of sequenceNumbers) this.#order.push(s);
  }

  /**
   * Marks records finished. Returns the new checkpoint if it moved, else
   * `undefined`.
   */
  complete(sequenceNumbers: Iterable<string>): string | undefined {
    for (const s of sequenceNumbers) this.#done.add(s);
    let advancedTo: string | undefined;
    while (this.#head < this.#order.length) {
      const next = this.#order[this.#head];
      if (next === undefined || !this.#done.has(next)) break;
      this.#done.delete(next);
      advancedTo = next;
      this.#head++;
    }
    // Compact now and then, so a long-running shard does not keep every sequence number it ever read.
    if (this.#head > 1024 && this.#head * 2 > this.#order.length) {
      this.#order = this.#order.slice(this.#head);
      this.#head = 0;
    }
    return advancedTo;
  }

  /** Read records not yet behind the checkpoint. */
  get pending(): number {
    return this.#order.length - this.#head;
  }
}
