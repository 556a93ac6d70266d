/**
 * An error message as people read it: the first line (what happened) in full, the
 * rest (the gateway's stderr, a stack of causes) folded under "Details".
 */
export function ErrorText({ message }: { message: string }) {
  const [first, ...rest] = message.split('\n');
  const more = rest.join('\n').trim();
  return (
    <>
      <span className="error-first">{first}</span>
      {more !== '' && (
        <details className="error-details">
          <summary>Details</summary>
          <pre>{more}</pre>
        </details>
      )}
    </>
  );
}
