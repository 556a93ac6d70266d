/**
 * Which message actions a transcript offers, and the sends they make.
 *
 * Regenerate and Continue are new sends whose idempotency key is derived from the
 * key of the send they follow up (`<key>#regenerate-1`, `<key>#continue-1`, then
 * `-2`, …): pressing the button twice, or the companion resending after a crash,
 * names the same send and never runs it twice, as a first send's key does; and
 * the next Regenerate of the same message gets the next number, so it is a new
 * run. Edit sends the edited text as a new message under a fresh key.
 */
import type { SendArgs, TranscriptItem } from './transcript.js';

/** A follow-up of an earlier send. */
export type FollowUp = 'regenerate' | 'continue';

const DERIVED = /^(.*)#(regenerate|continue)-(\d+)$/su;

/** The send a key was derived from (itself when it was not derived) and what derived it. */
export function keyOrigin(key: string): { base: string; kind: FollowUp | null; n: number } {
  const match = DERIVED.exec(key);
  if (!match) return { base: key, kind: null, n: 0 };
  return { base: match[1]!, kind: match[2] as FollowUp, n: Number(match[3]) };
}

/** The key limit of the wire (`idempotencyKey`, 1 to 200 characters). */
const MAX_KEY_LENGTH = 200;

/**
 * The key of a follow-up of the send keyed `key`: the same base, the next number
 * for this kind among `known` keys. Deterministic, so a repeat names the same send.
 */
export function followUpKey(key: string, kind: FollowUp, known: Iterable<string>): string {
  const { base } = keyOrigin(key);
  let highest = 0;
  for (const other of known) {
    const origin = keyOrigin(other);
    if (origin.base === base && origin.kind === kind) highest = Math.max(highest, origin.n);
  }
  const suffix = `#${kind}-${highest + 1}`;
  return `${base.slice(0, MAX_KEY_LENGTH - suffix.length)}${suffix}`;
}

/** How much of a cut-off reply a Continue quotes back (the model never sees an aborted reply as context). */
const CONTINUE_TAIL_CHARS = 1500;

/**
 * The message Continue sends: the gateway gives aborted replies back to no model,
 * so the text says where the reply stopped, quoting its end.
 */
export function continueText(partial: string): string {
  const tail = partial.length > CONTINUE_TAIL_CHARS ? `…${partial.slice(-CONTINUE_TAIL_CHARS)}` : partial;
  if (tail.trim() === '') return 'Your last reply was stopped before it began. Please answer my last message again.';
  const quoted = tail.split('\n').map((line) => `> ${line}`).join('\n');
  return `Continue your last reply from where it was stopped. It ended with:\n\n${quoted}`;
}

/** The actions of one row (beyond Copy, which every row with text has). */
export interface RowActions {
  /** A user message: edit it and send the edit as a new message. */
  edit: boolean;
  /** The last reply: run its message again as a new run. */
  regenerate: boolean;
  /** The last reply, stopped by an abort: carry on from where it stopped. */
  continue: boolean;
}

const NONE: RowActions = { edit: false, regenerate: false, continue: false };

/**
 * The actions each row offers, by row key. Regenerate and Continue go on the last
 * reply only, when its send's user message is loaded with a key (the follow-up's
 * key derives from it) and nothing is on its way; Edit on every user message not
 * from a heartbeat.
 */
export function rowActions(items: readonly TranscriptItem[], busy: boolean): Map<string, RowActions> {
  const actions = new Map<string, RowActions>();
  for (const item of items) {
    if (item.role === 'user' && item.source !== 'heartbeat' && !item.pending) actions.set(item.key, { ...NONE, edit: true });
  }
  if (busy) return actions; // a reply is on its way: follow-ups wait for it
  const last = items.at(-1);
  if (!last || last.role !== 'assistant' || last.source === 'heartbeat') return actions;
  const user = followedMessage(items, last);
  if (!user) return actions;
  actions.set(last.key, {
    edit: false,
    regenerate: last.state !== 'streaming',
    continue: last.state === 'aborted',
  });
  return actions;
}

/** The user message a reply answers: the loaded one with the reply's key. */
export function followedMessage(items: readonly TranscriptItem[], reply: TranscriptItem): TranscriptItem | undefined {
  if (reply.idempotencyKey === undefined) return undefined; // no key: no follow-up key to derive
  return items.find((item) => item.role === 'user' && item.idempotencyKey === reply.idempotencyKey);
}

/** What a Regenerate sends: the message's own text and options, the picker's model when one is given. */
export function regenerateArgs(user: TranscriptItem, model: string | undefined): SendArgs {
  const { model: _previous, ...rest } = user.sendArgs ?? { text: user.text };
  return { ...rest, text: user.text, ...(model !== undefined ? { model } : {}) };
}

/** An action a row hands to the app. */
export type MessageAction =
  | { kind: 'regenerate'; item: TranscriptItem }
  | { kind: 'continue'; item: TranscriptItem }
  | { kind: 'edit'; item: TranscriptItem; text: string };

/** A send an action makes: its arguments, and its key when it is derived from another send's. */
export interface PlannedSend {
  args: SendArgs;
  /** Absent for an edit: a new message gets a fresh key. */
  idempotencyKey?: string;
}

/**
 * The send an action makes, or undefined when it cannot (the message it follows is
 * not loaded). `model` is the picker's choice for the next send.
 */
export function planAction(action: MessageAction, items: readonly TranscriptItem[], model: string | undefined): PlannedSend | undefined {
  const withModel = model !== undefined ? { model } : {};
  if (action.kind === 'edit') {
    const { model: _previous, ...options } = action.item.sendArgs ?? { text: action.item.text };
    return { args: { ...options, text: action.text, ...withModel } };
  }
  const user = followedMessage(items, action.item);
  if (!user || user.idempotencyKey === undefined) return undefined;
  const known = items.flatMap((item) => (item.idempotencyKey !== undefined ? [item.idempotencyKey] : []));
  const idempotencyKey = followUpKey(user.idempotencyKey, action.kind, known);
  if (action.kind === 'regenerate') return { args: regenerateArgs(user, model), idempotencyKey };
  return { args: { text: continueText(action.item.text), ...withModel }, idempotencyKey };
}
