/**
 * The text of a streaming reply, built from `reply.delta` events by `seq`.
 *
 * The text is always the deltas 0..lastSeq, in order: a repeat is dropped, and a
 * delta after a gap (the window came in mid-reply, before the history page with the
 * text so far arrived) is held until the gap fills. Never text out of order.
 */

/** A delta that arrived after a gap, held until the deltas before it arrive. */
export interface HeldDelta {
  seq: number;
  text: string;
}

/** The streaming part of a reply row. */
export interface StreamText {
  text: string;
  /** The last delta seq the text includes; -1 (or absent) for none. */
  lastSeq?: number | undefined;
  held?: readonly HeldDelta[] | undefined;
}

/** Adds a delta: in order it appends (with any held ones that now follow), after a gap it waits; a repeat returns `item` itself. */
export function applyDelta<T extends StreamText>(item: T, seq: number, text: string): T {
  const last = item.lastSeq ?? -1;
  if (seq <= last || item.held?.some((delta) => delta.seq === seq)) return item; // a repeat
  if (seq > last + 1) return { ...item, held: [...(item.held ?? []), { seq, text }] }; // the ones before it are still on their way
  return joinHeld({ ...item, text: item.text + text, lastSeq: seq });
}

/** Appends the held deltas that follow on from `lastSeq`. */
export function joinHeld<T extends StreamText>(item: T): T {
  let { text, lastSeq = -1 } = item;
  const held = item.held ?? [];
  for (let next = held.find((delta) => delta.seq === lastSeq + 1); next; next = held.find((delta) => delta.seq === lastSeq + 1)) {
    text += next.text;
    lastSeq = next.seq;
  }
  const still = held.filter((delta) => delta.seq > lastSeq);
  return { ...item, text, lastSeq, held: still.length > 0 ? still : undefined };
}

/** A reply that stopped streaming: its text is final, the bookkeeping goes. */
export function endStream<T extends StreamText>(item: T): T {
  return { ...item, lastSeq: undefined, held: undefined };
}
