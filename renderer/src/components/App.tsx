/**
 * The chat window: sessions on the left, the open session's transcript and the
 * composer in the middle, the gateway's status on the right.
 *
 * All data comes through the bridge client; the same component runs inside
 * Electron (preload) and in a browser (WebSocket). Failures are shown where they
 * happened (a failed send on its message, a failed toggle in a notice) with what to
 * do about them.
 */
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type { BridgeResult } from '../../../main/bridge/contract.js';
import { BridgeCallError, type BridgeClient } from '../bridge/bridge-client.js';
import type { ConnectionState, DisconnectReason } from '../bridge/web-bridge.js';
import { connectionAdvice } from '../model/connection-advice.js';
import { StatusUnknown } from './StatusUnknown.js';
import { adviceFor, plural, sendAvailability } from '../model/format.js';
import { newIdempotencyKey } from '../model/idempotency-key.js';
import { applySessionActivity, applySessionUpdate, displayName, markSeen, removeSession, replaceSession, seedSeen, seenOnLeave, shownMessageCount, sortSessions, WatchedReplies, type SeenCounts, type SessionSummary } from '../model/sessions.js';
import { loadOpenSession, saveOpenSession } from '../model/open-session.js';
import { useSessionManagement } from '../hooks/use-session-management.js';
import { SearchDialog } from './SearchDialog.js';
import { UndoBar } from './UndoBar.js';
import { emptyTranscript, isBusy, isStreamingSend, transcriptReducer, type SendArgs, type SendFailure, type TranscriptItem } from '../model/transcript.js';
import { planAction, type MessageAction } from '../model/message-actions.js';
import { nextSessionKey } from '../model/new-session-key.js';
import { DrawerScrim, DrawerToggles, GatewayBanner } from './ChatChrome.js';
import { Composer } from './Composer.js';
import { EmptyState } from './EmptyState.js';
import { ErrorText } from './ErrorText.js';
import { ModelPicker } from './ModelPicker.js';
import { ShortcutSheet } from './ShortcutSheet.js';
import { useChatShortcuts } from './use-chat-shortcuts.js';
import { useDrawers } from './use-drawers.js';
import { useModels } from './use-models.js';
import { SessionList } from './SessionList.js';
import { StatusPanel } from './StatusPanel.js';
import { Transcript, type MessageFocus } from './Transcript.js';
import { ApprovalCard } from './ApprovalCard.js';
import { useApprovals } from './use-approvals.js';
import { approvalsOf } from '../model/approvals.js';
import { NotifyToggle } from '../notify/NotifyToggle.js';
import { useBrowserNotifications } from '../notify/use-browser-notifications.js';

type CompanionState = BridgeResult<'get-state'>;
type CompanionStatus = BridgeResult<'get-status'>;

const FIRST_PAGE = 200;
const OLDER_PAGE = 500;
/** The most messages one `history` page may carry (the protocol's limit). */
const MAX_HISTORY_PAGE = 1000;
/** Older messages loaded beyond a search hit, so it does not sit at the very top. */
const FOCUS_CONTEXT = 20;
const SEEN_KEY = 'tether.seen';

/** A problem shown at the top of the transcript until dismissed. */
interface Notice {
  what: string;
  message: string;
  advice: string;
}

function noticeFor(what: string, error: unknown): Notice {
  if (error instanceof BridgeCallError) return { what, message: error.message, advice: adviceFor(error.code) };
  return { what, message: String((error as Error)?.message ?? error), advice: adviceFor('internal') };
}

/** A failed send call as the transcript keeps it: the code, the words, and what the companion knew. */
function sendFailure(error: unknown): SendFailure {
  if (!(error instanceof BridgeCallError)) return { code: 'internal', message: String((error as Error)?.message ?? error) };
  const details = error.details;
  const reached = details && 'reached' in details ? details.reached : undefined;
  return {
    code: error.code,
    message: error.message,
    wireCode: details?.wireCode,
    reached: reached === 'no' || reached === 'maybe' || reached === 'yes' ? reached : undefined,
  };
}

function loadSeen(): SeenCounts {
  try {
    return JSON.parse(localStorage.getItem(SEEN_KEY) ?? '{}') as SeenCounts;
  } catch {
    return {}; // unreadable: start fresh
  }
}

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export function App({ client }: { client: BridgeClient }) {
  const now = useNow(1000);
  const [connection, setConnection] = useState<ConnectionState>(client.connection());
  const [disconnectReason, setDisconnectReason] = useState<DisconnectReason>('unknown');
  const [state, setState] = useState<CompanionState | null>(null);
  const [status, setStatus] = useState<CompanionStatus | null>(null);
  const [stderr, setStderr] = useState<string[]>([]);
  const [sessions, setSessions] = useState<SessionSummary[]>([]);
  const [sessionsError, setSessionsError] = useState<string | null>(null);
  const [seen, setSeen] = useState<SeenCounts>(loadSeen);
  const [openSession, setOpenSession] = useState(loadOpenSession);
  const [transcript, dispatch] = useReducer(transcriptReducer, openSession, emptyTranscript);
  const [searching, setSearching] = useState(false);
  /** A message to bring into view and mark (a search hit), in its session. */
  const [focus, setFocus] = useState<(MessageFocus & { session: string }) | null>(null);
  const focusCount = useRef(0);
  const transcriptRef = useRef(transcript);
  transcriptRef.current = transcript;
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [restarting, setRestarting] = useState(false);
  const running = state?.gateway.state === 'running';
  // Read by callbacks that outlive a render (a send's answer comes later).
  const runningRef = useRef(running);
  runningRef.current = running;
  const openSessionRef = useRef(openSession);
  openSessionRef.current = openSession;
  const historyRead = useRef(0);

  const refreshSessions = useCallback(async () => {
    try {
      const { sessions: list } = await client.call('list-sessions', {});
      setSessions((current) => sortSessions([...list, ...current.filter((s) => s.messageCount === 0 && !list.some((l) => l.key === s.key))]));
      setSeen((current) => seedSeen(list, current));
      setSessionsError(null);
    } catch (error) {
      setSessionsError(error instanceof BridgeCallError && error.code === 'gateway_unavailable' ? 'The list comes back when the gateway runs.' : `Could not list the sessions: ${(error as Error).message}`);
    }
  }, [client]);

  const loadHistory = useCallback(
    async (session: string) => {
      // Reads can overlap (a restart and a failed send both ask): only the last one counts,
      // so an older page never replaces a newer one.
      const read = ++historyRead.current;
      try {
        const page = await client.call('get-history', { session, limit: FIRST_PAGE });
        if (read !== historyRead.current) return; // a newer read is on its way
        dispatch({ type: 'page', session, page, mode: 'replace' });
      } catch (error) {
        if (error instanceof BridgeCallError && error.code === 'gateway_unavailable') return; // shown once the gateway runs
        if (error instanceof BridgeCallError && error.code === 'disconnected') return; // read again once the window reconnects
        if (error instanceof BridgeCallError && error.details?.wireCode === 'not_found') {
          dispatch({ type: 'page', session, page: { session, messages: [], total: 0, hasMore: false }, mode: 'replace' }); // a new session: nothing on disk yet
          return;
        }
        setNotice(noticeFor(`Could not load the messages of "${session}"`, error));
      }
    },
    [client],
  );

  const refreshStatus = useCallback(async () => {
    try {
      setStatus(await client.call('get-status', {}));
      setStderr((await client.call('get-stderr-tail', { lines: 50 })).lines);
    } catch {
      // The state events keep the panel current; a missed poll is not worth a notice.
    }
  }, [client]);

  // Subscriptions: state, gateway events, the connection.
  useEffect(() => {
    const offState = client.on('state-changed', setState);
    // Sends whose `reply` event came: their `session.updated` follows it.
    const announced = new Set<string>();
    // Sends whose deltas came and whose reply has not: known here at once, while the
    // transcript (through React state) learns of them only at the next render. The
    // events of one turn can arrive together, the stored failure with its deltas.
    const streaming = new Set<string>();
    const watched = new WatchedReplies();
    const offEvents = client.on('gateway-event', (event) => {
      const ts = Date.now();
      switch (event.event) {
        case 'reply.delta': {
          const { session, runId, seq, text, idempotencyKey } = event.payload;
          dispatch({ type: 'delta', session, runId, seq, text, idempotencyKey, ts });
          if (idempotencyKey !== undefined) streaming.add(idempotencyKey);
          break;
        }
        case 'reply': {
          const { session, runId, source, aborted, idempotencyKey } = event.payload;
          const text = 'text' in event.payload ? event.payload.text : ''; // the app never asks hello for text-less replies
          dispatch({ type: 'reply', session, runId, text, source, aborted, idempotencyKey, ts });
          if (idempotencyKey !== undefined) {
            announced.add(idempotencyKey);
            streaming.delete(idempotencyKey);
          }
          watched.noteReply(session, openSessionRef.current);
          break;
        }
        case 'session.updated': {
          setSessions((current) => applySessionUpdate(current, event.payload));
          const seenCount = watched.seenCount(event.payload);
          if (seenCount !== undefined) setSeen((current) => markSeen(current, event.payload.session, seenCount));
          // A reply stored without a `reply` event (it failed; maybe another window's send):
          // history says how it ended, or it would stream here for ever.
          // (The transcript may not show this batch's `reply` yet: those are remembered here.)
          const { session, idempotencyKey } = event.payload;
          if (idempotencyKey === undefined || announced.delete(idempotencyKey)) break; // announced with its reply
          const wasStreaming = streaming.delete(idempotencyKey);
          if (session === transcriptRef.current.session && (wasStreaming || isStreamingSend(transcriptRef.current, idempotencyKey))) void loadHistory(session);
          break;
        }
        case 'heartbeat':
          void refreshStatus();
          break;
        case 'session.deleted':
          setSessions((current) => removeSession(current, event.payload.session));
          break;
        case 'tool.call': {
          const { session, runId, idempotencyKey, callId, step, server, tool, arguments: args } = event.payload;
          dispatch({ type: 'tool-call', session, runId, idempotencyKey, call: { callId, step, server, tool, arguments: args }, ts });
          break;
        }
        case 'tool.result':
          dispatch({ type: 'tool-result', session: event.payload.session, result: event.payload, ts });
          break;
        case 'approval.requested':
        case 'approval.resolved': {
          const { session, runId, callId } = event.payload;
          dispatch({ type: 'tool-waiting', session, runId, callId, waiting: event.event === 'approval.requested' });
          break;
        }
      }
    });
    const offConnection = client.onDidChangeConnection((next) => {
      setConnection(next);
      setDisconnectReason(client.disconnectReason?.() ?? 'unknown');
    });
    setConnection(client.connection()); // it may have opened before this effect ran
    return () => {
      offState();
      offEvents();
      offConnection();
    };
  }, [client, refreshStatus, loadHistory]);

  // (Re)connected: read everything afresh.
  useEffect(() => {
    if (connection !== 'open') return; // wait for the socket
    void client.call('get-state', {}).then(setState, (error: unknown) => setNotice(noticeFor('Could not read the gateway state', error)));
    void refreshStatus();
  }, [client, connection, refreshStatus]);

  // The gateway came up (or back), or the window reconnected: sessions and the open
  // transcript may have changed meanwhile (replies finished or were cut off unseen).
  // (Opening another session loads its history itself, so the open session is read from a ref.)
  const gatewayPid = state?.gateway.pid;
  const connected = connection === 'open';
  const known = state !== null;
  const models = useModels(client, openSession, connected && running ? (gatewayPid ?? null) : null);
  const approvals = useApprovals(client, running);
  const openApprovals = approvalsOf(approvals.pending, openSession);
  const drawers = useDrawers();
  const [sheetOpen, setSheetOpen] = useState(false);
  useEffect(() => {
    if (!known) return; // not told yet: say nothing about the gateway's runs
    if (!running) {
      // Whatever the gateway was streaming stopped with its process.
      dispatch({ type: 'gateway-stopped', session: openSessionRef.current });
      return;
    }
    if (!connected) return; // read once the socket is back
    void refreshSessions();
    void loadHistory(openSessionRef.current);
    void refreshStatus();
  }, [known, running, gatewayPid, connected, refreshSessions, loadHistory, refreshStatus]);

  // The window is usable once it knows the gateway's state (the bench reads this mark).
  const interactive = state !== null && connection === 'open';
  useEffect(() => {
    if (interactive && performance.getEntriesByName('tether:interactive').length === 0) performance.mark('tether:interactive');
  }, [interactive]);

  // Poll the child's status (heartbeats, queue) while the window is open.
  useEffect(() => {
    const timer = setInterval(() => void refreshStatus(), 4000);
    return () => clearInterval(timer);
  }, [refreshStatus]);

  // The open session counts as seen.
  const openCount = sessions.find((s) => s.key === openSession)?.messageCount;
  useEffect(() => {
    if (openCount === undefined) return; // not listed yet
    setSeen((current) => (current[openSession] === openCount ? current : { ...current, [openSession]: openCount }));
  }, [openSession, openCount]);
  useEffect(() => {
    try {
      localStorage.setItem(SEEN_KEY, JSON.stringify(seen));
    } catch {
      // Storage full or unavailable: unread marks just will not survive a reload.
    }
  }, [seen]);

  const openSessionByKey = (key: string) => {
    if (drawers.open === 'sessions') drawers.close(); // the narrow layout: show the session picked
    setFocus(null); // a search hit sets its own after this
    if (key === openSession) return; // already open
    // What the transcript showed counts as seen, even if the list hears of it only later.
    setSeen((current) => seenOnLeave(current, openSession, openCount, shownMessageCount(transcriptRef.current)));
    setOpenSession(key);
    saveOpenSession(key);
    dispatch({ type: 'reset', session: key });
    if (running) void loadHistory(key);
  };
  const notifier = useBrowserNotifications(client, (key) => openSessionByKey(key));

  const createSession = (key: string) => {
    setSessions((current) => sortSessions([{ key, updatedAt: Date.now(), messageCount: 0, preview: '', thinking: null }, ...current]));
    openSessionByKey(key);
  };

  const manage = useSessionManagement({
    client,
    onDidChange: (summary) => setSessions((current) => replaceSession(current, summary)),
    onDidDelete: (key) => {
      setSessions((current) => removeSession(current, key));
      if (key === openSessionRef.current) openSessionByKey('main');
    },
    onError: (what, error) => setNotice(noticeFor(what, error)),
  });

  const loadOlder = useCallback(async (limit: number = OLDER_PAGE) => {
    if (loadingOlder || !transcript.hasMore) return; // one page at a time
    setLoadingOlder(true);
    const session = transcript.session;
    try {
      const page = await client.call('get-history', { session, limit, before: transcript.firstIndex });
      dispatch({ type: 'page', session, page, mode: 'prepend' });
    } catch (error) {
      setNotice(noticeFor('Could not load older messages', error));
    } finally {
      setLoadingOlder(false);
    }
  }, [client, loadingOlder, transcript.hasMore, transcript.session, transcript.firstIndex]);

  // A search hit older than what is loaded: load back to it (the pages between too,
  // so the transcript stays one stretch up to the newest message).
  useEffect(() => {
    if (focus === null || focus.session !== transcript.session || transcript.items.length === 0) return;
    if (transcript.firstIndex > focus.index && transcript.hasMore) void loadOlder(Math.min(MAX_HISTORY_PAGE, transcript.firstIndex - focus.index + FOCUS_CONTEXT));
  }, [focus, transcript.session, transcript.items.length, transcript.firstIndex, transcript.hasMore, loadOlder]);

  /**
   * Sends a message, or sends a failed one again under its key (`again`): the row made
   * here is keyed by the send's idempotency key from the start, and everything that
   * comes back about it (events, the answer, history) finds it by that key.
   */
  const send = async (args: SendArgs, again?: string, derivedKey?: string) => {
    const session = openSession;
    const idempotencyKey = again ?? derivedKey ?? newIdempotencyKey();
    dispatch(again === undefined ? { type: 'sent', session, idempotencyKey, args, ts: Date.now() } : { type: 'retry', session, idempotencyKey });
    try {
      const result = await client.call('send', { ...args, session, idempotencyKey });
      dispatch({ type: 'send-result', session, idempotencyKey, result, ts: Date.now() });
      if (result.via === 'cli') {
        // The one-shot CLI wrote the session, so no session.updated comes: the list shows
        // what the answer says, and is read again now if the gateway is back (a resend
        // after a crash can go this way), else when it runs.
        const text = result.payload.payloads[0]?.text ?? '';
        setSessions((current) => applySessionActivity(current, { session, updatedAt: Date.now(), preview: text.slice(0, 120) }));
        if (runningRef.current) void refreshSessions();
      }
    } catch (error) {
      dispatch({ type: 'send-failed', session, idempotencyKey, error: sendFailure(error) });
      notifier.sendFailed(session, sendFailure(error).message);
      // The gateway may have stored the message and how its reply ended (a provider
      // failure, say): history shows it as a reload would.
      if (runningRef.current && openSessionRef.current === session) void loadHistory(session);
    }
  };

  const retry = (item: TranscriptItem) => {
    const key = item.idempotencyKey;
    if (key === undefined) return; // only sends with a key offer it
    const user = transcript.items.find((row) => row.role === 'user' && row.idempotencyKey === key);
    if (!user) return; // only offered while the message is loaded
    void send(user.sendArgs ?? { text: user.text }, key);
  };

  /** Edit, Regenerate, Continue: each a new send (see `message-actions.ts` for their keys). */
  const act = (action: MessageAction) => {
    const planned = planAction(action, transcript.items, models.pick);
    if (!planned) return; // the message it follows is not loaded
    if (models.oneOff) models.takeForSend(); // the one-off pick went with it
    void send(planned.args, undefined, planned.idempotencyKey);
  };

  const abort = async () => {
    try {
      await client.call('abort', { session: openSession });
    } catch (error) {
      setNotice(noticeFor('Could not abort the reply', error));
    }
  };

  const restart = async () => {
    setRestarting(true);
    try {
      setState(await client.call('restart-gateway', {}));
    } catch (error) {
      setNotice(noticeFor('Could not restart the gateway', error));
    } finally {
      setRestarting(false);
      void refreshStatus();
    }
  };

  const toggle = async (what: 'set-heartbeats' | 'set-fallback', enabled: boolean) => {
    // Shown at once; the state event (or the re-read below) confirms or corrects it.
    setState((current) => current && (what === 'set-heartbeats' ? { ...current, heartbeatsEnabled: enabled } : { ...current, fallbackEnabled: enabled }));
    try {
      await client.call(what, { enabled });
      setState(await client.call('get-state', {}));
      void refreshStatus();
    } catch (error) {
      setNotice(noticeFor(what === 'set-heartbeats' ? 'Could not change "Send heartbeats"' : 'Could not change "Use CLI fallback"', error));
      void client.call('get-state', {}).then(setState, () => undefined);
    }
  };

  const openLink = async (url: string) => {
    try {
      const { opened } = await client.call('open-external', { url });
      if (!opened) window.open(url, '_blank', 'noopener,noreferrer'); // web mode: the browser opens it
    } catch (error) {
      setNotice(noticeFor('Did not open the link', error));
    }
  };

  // The open session is listed even before its first message.
  const listed = sessions.some((s) => s.key === openSession) ? sessions : [...sessions, { key: openSession, updatedAt: now, messageCount: 0, preview: '', thinking: null }];
  const availability = sendAvailability(connection === 'open' ? state : null);
  const busy = isBusy(transcript);
  const blockedReason = !availability.ok ? availability.reason : busy ? 'A reply is on its way; wait for it or press Abort.' : null;
  const sendNow = (args: SendArgs) => void send({ ...args, ...models.takeForSend() });
  useChatShortcuts({
    closeOverlay: drawers.close,
    abort: busy ? () => void abort() : undefined,
    newSession: () => createSession(nextSessionKey(listed.map((s) => s.key))),
    openSheet: () => setSheetOpen(true),
    focusComposer: () => document.getElementById('composer-text')?.focus(),
    search: () => setSearching(true),
  });

  return (
    <div className={`app${drawers.open ? ` is-${drawers.open}-open` : ''}`}>
      <SessionList
        sessions={listed}
        openSession={openSession}
        seen={seen}
        now={now}
        onOpen={openSessionByKey}
        onCreate={createSession}
        error={sessionsError}
        actions={{ rename: (key, title) => void manage.rename(key, title), setPinned: (key, pinned) => void manage.setPinned(key, pinned), exportMarkdown: (summary) => void manage.exportMarkdown(summary), remove: (summary) => void manage.remove(summary) }}
        onSearch={() => setSearching(true)}
      />
      <main className="chat" aria-label={`Session ${openSession}`}>
        <header className="chat-header">
          <DrawerToggles open={drawers.open} state={state} connection={connection} now={now} onToggle={drawers.toggle} />
          <h1 title={openSession}>{displayName(listed.find((s) => s.key === openSession) ?? { key: openSession })}</h1>
          {openCount !== undefined && openCount > 0 && <span className="chat-count">{plural(openCount, 'message')}</span>}
        </header>
        <GatewayBanner state={state} now={now} restarting={restarting} onRestart={() => void restart()} onShowStatus={() => drawers.toggle('status')} />
        {connection !== 'open' && (
          <div className="notice notice-warn" role="status">
            {connectionAdvice(connection, disconnectReason)}
          </div>
        )}
        {manage.pendingUndo && <UndoBar pending={manage.pendingUndo} now={now} onUndo={() => void manage.undo()} onDismiss={manage.dismissUndo} />}
        {notice && (
          <div className="notice notice-error" role="alert">
            <div>
              <strong>{notice.what}: </strong>
              <ErrorText message={notice.message} />
              <div className="advice">{notice.advice}</div>
            </div>
            <button type="button" className="button" onClick={() => setNotice(null)}>
              Dismiss
            </button>
          </div>
        )}
        <Transcript
          session={openSession}
          items={transcript.items}
          hasMore={transcript.hasMore}
          loadingOlder={loadingOlder}
          onLoadOlder={loadOlder}
          focus={focus !== null && focus.session === openSession ? focus : undefined}
          onOpenLink={openLink}
          onRetry={retry}
          now={now}
          busy={busy}
          blockedReason={blockedReason}
          onAction={act}
          footer={
            openApprovals.length > 0 && (
              <div className="approval-cards">
                {openApprovals.map((approval) => (
                  <ApprovalCard key={approval.callId} approval={approval} onAnswer={approvals.answer} />
                ))}
              </div>
            )
          }
          empty={<EmptyState session={openSession} models={models.list} pick={models.pick} blockedReason={blockedReason} onStart={(text) => sendNow({ text })} />}
        />
        <Composer
          session={openSession}
          blockedReason={availability.ok ? null : availability.reason}
          hint={availability.ok && availability.via === 'cli' ? 'The gateway is down: this message will be answered by the one-shot CLI.' : null}
          busy={busy}
          onSend={sendNow}
          onAbort={abort}
          picker={<ModelPicker models={models} session={openSession} />}
        />
      </main>
      <DrawerScrim open={drawers.open} onClose={drawers.close} />
      {searching && (
        <SearchDialog
          client={client}
          now={now}
          onClose={() => setSearching(false)}
          onOpen={(hit) => {
            setSearching(false);
            openSessionByKey(hit.session);
            if (hit.kind === 'message' && hit.index !== undefined) setFocus({ session: hit.session, index: hit.index, token: ++focusCount.current });
          }}
        />
      )}
      {state && connection !== 'open' ? (
        <StatusUnknown connecting={connection === 'connecting'} advice={connectionAdvice(connection, disconnectReason)} />
      ) : state ? (
        <StatusPanel state={state} status={status} stderr={stderr} now={now} restarting={restarting} onRestart={restart} onHeartbeats={(on) => void toggle('set-heartbeats', on)} onFallback={(on) => void toggle('set-fallback', on)}>
          <NotifyToggle />
        </StatusPanel>
      ) : (
        <aside className="status" aria-label="Gateway status">
          <h2>Gateway</h2>
          <p>Connecting…</p>
        </aside>
      )}
      {sheetOpen && <ShortcutSheet onClose={() => setSheetOpen(false)} />}
    </div>
  );
}
