/** What the bench page offers Node (`window.bench`): one call is one sample of one side. Times in ms. */
export interface BenchApi {
  /** Builds the rows and their pages in the wire format; returns one page's size as JSON text. */
  preparePull(rows: number, pageSize: number): { pageBytes: number };
  pullOurs(): Promise<number>;
  pullFloor(): Promise<number>;
  pullHeap(): Promise<HeapFigures>;
  enqueueOurs(writes: number): Promise<number>;
  enqueueFloor(writes: number): Promise<number>;
  /** The same reads and writes as one enqueue (outbox layout v4), bare, one transaction each. */
  enqueueStorage(writes: number): Promise<number>;
  seedColdStart(projects: number, settings: number): Promise<void>;
  coldOurs(): Promise<number>;
  coldFloor(): Promise<number>;
  gcExposed(): boolean;
}

/** JS heap during a pull, in bytes, each read after a forced GC. */
export interface HeapFigures {
  /** One page held parsed. */
  readonly onePage: number;
  /** The most the heap grew over its pre-pull size, at any page boundary or at the end. */
  readonly peakGrowth: number;
  readonly endGrowth: number;
  /** Growth when each page is fetched (the first one: before any page). */
  readonly boundaries: number[];
}
