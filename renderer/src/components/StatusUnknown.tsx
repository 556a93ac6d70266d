/**
 * The status panel while the window cannot reach Tether (web mode: the server
 * stopped or restarts): every fact is unknown, so none is shown. The last values
 * would be a lie: a green "Running, pid …" for a gateway that may be gone.
 */
export function StatusUnknown({ connecting, advice }: { connecting: boolean; advice: string }) {
  return (
    <aside className="status" aria-label="Gateway status">
      <div className="status-group">
        <h2>Gateway</h2>
        <p className="state state-idle" data-testid="gateway-state" data-state="unknown">
          <span className="state-dot" aria-hidden="true" />
          <strong>Unknown, {connecting ? 'connecting' : 'reconnecting'}</strong>
        </p>
        <p className="state-detail">{advice}</p>
      </div>
      <dl className="facts status-group">
        {['pid', 'uptime', 'restarts', 'heartbeats', 'queue', 'provider'].map((fact) => (
          <div key={fact} className="fact-unknown">
            <dt>{fact}</dt>
            <dd>unknown</dd>
          </div>
        ))}
      </dl>
    </aside>
  );
}
