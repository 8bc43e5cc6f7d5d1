/**
 * Group commit: items submitted in the same event-loop turn are written by one
 * flush (one transaction), and each submitter is answered only after that
 * commit, so an acknowledged write is as durable as with a transaction per
 * request, at a fraction of the commits. While `maxInFlight` flushes are
 * running, new items wait and go together in the next one, so batches grow
 * with the load instead of the commit queue.
 */

interface Pending<I> {
  item: I;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Writes a batch and returns, per item and in order, the error that item alone
 * failed with (undefined when it was written). Throwing fails the whole batch.
 */
export type FlushBatch<I> = (items: I[]) => Promise<(Error | undefined)[]>;

/** Batches submitted items into shared flushes (see the file comment). */
export class GroupCommit<I> {
  private pending: Pending<I>[] = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly flush: FlushBatch<I>,
    private readonly maxInFlight = 1,
  ) {}

  /** Resolves once the item is committed; rejects with its own error or the batch's. */
  submit(item: I): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    // setImmediate runs after the I/O callbacks of this turn, so every request parsed now joins.
    setImmediate(() => {
      this.scheduled = false;
      void this.flushPending();
    });
  }

  private async flushPending(): Promise<void> {
    if (this.pending.length === 0 || this.inFlight >= this.maxInFlight) return;
    const batch = this.pending;
    this.pending = [];
    this.inFlight += 1;
    try {
      const outcomes = await this.flush(batch.map((p) => p.item));
      batch.forEach((p, index) => {
        const error = outcomes[index];
        if (error) p.reject(error);
        else p.resolve();
      });
    } catch (error) {
      for (const p of batch) p.reject(error);
    } finally {
      this.inFlight -= 1;
      if (this.pending.length > 0) this.schedule();
    }
  }
}
