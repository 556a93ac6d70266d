/**
 * Quick ask's state: the bridge connection, the gateway's state, the sessions to
 * choose from, and the transcript of the sends made from this view.
 *
 * The transcript is the chat window's own reducer (`transcriptReducer`), fed the
 * same events, so a streamed reply, its end and a failed send look and behave as
 * they do in the chat; only no history is read (quick ask shows this one question).
 */
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type { BridgeResult } from '../../../main/bridge/contract.js';
import { BridgeCallError, type BridgeClient } from '../bridge/bridge-client.js';
import type { ConnectionState } from '../bridge/web-bridge.js';
import { sendAvailability } from '../model/format.js';
import { newIdempotencyKey } from '../model/idempotency-key.js';
import { loadOpenSession } from '../model/open-session.js';
import { applySessionUpdate, removeSession, sortSessions, type SessionSummary } from '../model/sessions.js';
import { emptyTranscript, isBusy, transcriptReducer, type SendFailure, type TranscriptItem } from '../model/transcript.js';

type CompanionState = BridgeResult<'get-state'>;

/** What the quick-ask view shows and does. */
export interface QuickAskModel {
  connection: ConnectionState;
  /** null until the gateway's state is known. */
  state: CompanionState | null;
  sessions: SessionSummary[];
  session: string;
  chooseSession(key: string): void;
  /** The rows of the sends made here, in order (the question and its reply). */
  rows: TranscriptItem[];
  busy: boolean;
  /** null when a send can go; otherwise why not. */
  blockedReason: string | null;
  send(text: string): void;
  abort(): void;
}

function sendFailure(error: unknown): SendFailure {
  if (error instanceof BridgeCallError) return { code: error.code, message: error.message, wireCode: error.details?.wireCode };
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}

/** Connects quick ask to the bridge; `initialSession` defaults to the session the chat had open. */
export function useQuickAsk(client: BridgeClient, initialSession: string = loadOpenSession()): QuickAskModel {
  const [connection, setConnection] = useState<ConnectionState>(client.connection());
  const [state, setState] = useState<CompanionState | null>(null);
  const [sessions, setSessions] = useState<SessionSummary[]>([]);
  const [transcript, dispatch] = useReducer(transcriptReducer, initialSession, emptyTranscript);
  const [sentKeys, setSentKeys] = useState<ReadonlySet<string>>(new Set());
  const session = transcript.session;
  const sessionRef = useRef(session);
  sessionRef.current = session;

  useEffect(() => {
    const offState = client.on('state-changed', setState);
    const offEvents = client.on('gateway-event', (event) => {
      const ts = Date.now();
      switch (event.event) {
        case 'reply.delta': {
          const { session: key, runId, seq, text, idempotencyKey } = event.payload;
          dispatch({ type: 'delta', session: key, runId, seq, text, idempotencyKey, ts });
          break;
        }
        case 'reply': {
          const { session: key, runId, source, aborted, idempotencyKey } = event.payload;
          dispatch({ type: 'reply', session: key, runId, text: 'text' in event.payload ? event.payload.text : '', source, aborted, idempotencyKey, ts });
          break;
        }
        case 'session.updated':
          setSessions((current) => applySessionUpdate(current, event.payload));
          break;
        case 'session.deleted':
          setSessions((current) => removeSession(current, event.payload.session));
          break;
        case 'heartbeat':
          break; // the chat's status panel shows heartbeats; quick ask has none
      }
    });
    const offConnection = client.onDidChangeConnection(setConnection);
    setConnection(client.connection()); // it may have opened before this effect ran
    return () => {
      offState();
      offEvents();
      offConnection();
    };
  }, [client]);

  useEffect(() => {
    if (connection !== 'open') return; // read once the socket is up
    void client.call('get-state', {}).then(setState, () => undefined); // the state event follows any change
    void client.call('list-sessions', {}).then(({ sessions: list }) => setSessions(sortSessions(list)), () => undefined); // the chooser keeps the open session either way
  }, [client, connection]);

  // Usable once it knows where a send would go (the bench reads this mark).
  const interactive = state !== null && connection === 'open';
  useEffect(() => {
    if (interactive && performance.getEntriesByName('tether:quick-ask-interactive').length === 0) performance.mark('tether:quick-ask-interactive');
  }, [interactive]);

  const send = useCallback(
    (text: string) => {
      const key = sessionRef.current;
      const idempotencyKey = newIdempotencyKey();
      setSentKeys((current) => new Set(current).add(idempotencyKey));
      dispatch({ type: 'sent', session: key, idempotencyKey, args: { text }, ts: Date.now() });
      client.call('send', { text, session: key, idempotencyKey }).then(
        (result) => dispatch({ type: 'send-result', session: key, idempotencyKey, result, ts: Date.now() }),
        (error: unknown) => dispatch({ type: 'send-failed', session: key, idempotencyKey, error: sendFailure(error) }),
      );
    },
    [client],
  );

  const abort = useCallback(() => {
    void client.call('abort', { session: sessionRef.current }).catch(() => undefined); // the reply's own end says whether it stopped
  }, [client]);

  const chooseSession = useCallback((key: string) => {
    dispatch({ type: 'reset', session: key });
    setSentKeys(new Set());
  }, []);

  const availability = sendAvailability(connection === 'open' ? state : null);
  const busy = isBusy(transcript);
  const listed = sessions.some((s) => s.key === session) ? sessions : [{ key: session, updatedAt: 0, messageCount: 0, preview: '', thinking: null }, ...sessions];
  return {
    connection,
    state,
    sessions: listed,
    session,
    chooseSession,
    rows: transcript.items.filter((item) => item.idempotencyKey !== undefined && sentKeys.has(item.idempotencyKey)),
    busy,
    blockedReason: availability.ok ? null : availability.reason,
    send,
    abort,
  };
}
