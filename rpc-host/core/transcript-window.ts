/**
 * Where a transcript can be folded from, short of its start.
 *
 * A fold places each message by what came before it: a reply's pieces and its
 * final record take the place of its first piece, a tool result finds its call.
 * All of that stays within one run, and every run begins with a record of its own
 * (the prompt of a send or a heartbeat, or the `resume` of a stored send run
 * again). So the records from a run's first record on fold exactly as they do in
 * the whole file when none of them belongs to a run that began earlier, given
 * what the fold knew just before it: how many messages came before, and the
 * compaction and tool choice in force. A fold notes those at each run it folds
 * (an anchor), and a later reader starts from the anchor instead of the file's
 * start.
 */
import type { TranscriptRecord } from './transcript-file.js';

/** What a fold knew just before a run began, and where in the file that run's first record is. */
export interface FoldAnchor {
  /** Byte offset of the run's first record. */
  at: number;
  /** The run that record begins (checked when the anchor is used). */
  runId: string;
  /** Messages before it. */
  before: number;
  compaction: { summary: string; firstIndex: number } | null;
  toolChoice: string[] | null;
}

/**
 * Anchors a fold keeps at most. Past this, every other one is let go and from then
 * on only every second run (then fourth, …) gets one, so they stay evenly spread:
 * a fold of thousands of runs keeps a few dozen, and the one it offers lies a few
 * runs before its first held message instead of exactly at it.
 */
const MAX_ANCHORS = 32;

/** The run a record begins, if it begins one. */
export function runBegun(record: TranscriptRecord): string | undefined {
  if (record.type === 'resume' || (record.type === 'message' && record.role === 'user')) return record.runId;
  return undefined;
}

/** The run a record belongs to when that run must have begun before it (a user message begins its own). */
function runContinued(record: TranscriptRecord): string | undefined {
  switch (record.type) {
    case 'message':
      return record.role === 'assistant' ? record.runId : undefined;
    case 'checkpoint':
    case 'tool-call':
    case 'tool-result':
    case 'delivery':
      return record.runId;
    case 'resume':
    case 'compaction':
      return undefined;
  }
}

/** Whether `records` begin with a run's first record and every later one belongs to a run begun among them. */
export function standsAlone(records: readonly TranscriptRecord[]): boolean {
  if (records.length === 0 || runBegun(records[0]!) === undefined) return false;
  const begun = new Set<string>();
  for (const record of records) {
    const started = runBegun(record);
    if (started !== undefined) begun.add(started);
    const run = runContinued(record);
    if (run !== undefined && !begun.has(run)) return false;
  }
  return true;
}

/**
 * The anchors of a fold kept as it folds: one per run begun, dropped when a later
 * record belongs to a run that began before them (they could not fold it), and
 * trimmed to the latest one at or before the first message the fold still holds.
 */
export class FoldAnchors {
  /** Oldest first. */
  private anchors: FoldAnchor[] = [];
  /** Where each run begun since the oldest anchor began. */
  private readonly startOf = new Map<string, number>();
  /** One anchor per this many runs begun. */
  private stride = 1;
  private runsSinceAnchor = 0;

  /** Notes a record about to be folded at byte `at`, with what the fold knows just before it. */
  note(record: TranscriptRecord, at: number, fold: { total: number; compaction: { summary: string; firstIndex: number } | undefined; toolChoice: string[] | undefined }): void {
    const begun = runBegun(record);
    if (begun !== undefined) {
      this.startOf.set(begun, at);
      if (this.anchors.length > 0 && ++this.runsSinceAnchor < this.stride) return;
      this.runsSinceAnchor = 0;
      const { compaction, toolChoice } = fold;
      this.anchors.push({ at, runId: begun, before: fold.total, compaction: compaction === undefined ? null : { ...compaction }, toolChoice: toolChoice === undefined ? null : [...toolChoice] });
      if (this.anchors.length > MAX_ANCHORS) {
        this.anchors = this.anchors.filter((_, i) => i % 2 === 0);
        this.stride *= 2;
      }
      return;
    }
    const run = runContinued(record);
    if (run === undefined) return;
    const start = this.startOf.get(run);
    if (start === undefined) {
      // A run begun before every anchor, or never: none of them can fold this record.
      this.anchors = [];
      this.startOf.clear();
      this.stride = 1;
      return;
    }
    while (this.anchors.length > 0 && this.anchors.at(-1)!.at > start) this.anchors.pop();
  }

  /** Keeps the latest anchor at or before message `firstHeld`, and every later one. */
  trim(firstHeld: number): void {
    let drop = 0;
    while (drop + 1 < this.anchors.length && this.anchors[drop + 1]!.before <= firstHeld) drop++;
    if (drop === 0) return;
    this.anchors = this.anchors.slice(drop);
    if (this.anchors.length <= MAX_ANCHORS / 4 && this.stride > 1) this.stride /= 2; // few left: space the next ones closer
    const oldest = this.anchors[0]!.at;
    for (const [run, at] of this.startOf) if (at < oldest) this.startOf.delete(run);
  }

  /** Where a reader can fold from to hold what this fold holds, if anywhere. */
  get oldest(): FoldAnchor | undefined {
    return this.anchors[0];
  }
}
