/**
 * The tool calls of a reply's run, apart from the reply's words: one compact row per
 * call (which tool, how it went), opening to the arguments and the tool's output.
 *
 * Both are preformatted plain text. Tool output is untrusted (a web page, a file, a
 * server's answer): rendered as markdown it could pass for the assistant, or carry
 * links and images; as text it is only ever shown.
 */
import { formatToolArguments, toolCallName, toolCallOutcome, type ToolCallOutcome, type ToolCallView } from '../model/tool-calls.js';

const OUTCOME_LABEL: Record<ToolCallOutcome, string> = {
  waiting: 'waiting for approval',
  running: 'running…',
  ok: 'done',
  failed: 'failed',
  denied: 'denied',
};

/** What the list needs. */
export interface ToolCallsProps {
  calls: readonly ToolCallView[];
}

/** The run's tool calls, each a row that opens to its arguments and output. */
export function ToolCalls({ calls }: ToolCallsProps) {
  return (
    <ul className="tool-calls" aria-label="Tool calls" data-testid="tool-calls">
      {calls.map((call) => {
        const outcome = toolCallOutcome(call);
        return (
          <li key={call.callId} className={`tool-call tool-call-${outcome}`} data-testid="tool-call" data-outcome={outcome}>
            <details>
              <summary>
                <span className="tool-call-label">Tool call</span> <code className="tool-call-name">{toolCallName(call)}</code>{' '}
                <span className={`badge badge-tool-${outcome}`}>{OUTCOME_LABEL[outcome]}</span>
              </summary>
              <div className="tool-call-body">
                <div className="tool-call-part-label">Arguments</div>
                <pre className="tool-call-text" data-testid="tool-call-arguments">{call.arguments === '' ? '(not known here)' : formatToolArguments(call.arguments)}</pre>
                {call.content !== undefined && (
                  <>
                    <div className="tool-call-part-label">Tool output (untrusted, shown as text)</div>
                    <pre className="tool-call-text" data-testid="tool-call-output">{call.content}</pre>
                    {call.truncated && <p className="tool-call-note">Cut to {call.content.length} of {call.chars ?? '?'} characters here; reload the session for all of it.</p>}
                  </>
                )}
              </div>
            </details>
          </li>
        );
      })}
    </ul>
  );
}
