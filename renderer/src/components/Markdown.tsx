/**
 * Renders reply text as markdown, safely: raw HTML in the text is dropped (never
 * injected), link targets pass react-markdown's URL filter, and a click on a link
 * goes to the app (which opens it outside, through the bridge) instead of
 * navigating the window. Code blocks get a Copy button.
 */
import { memo, useRef, useState, type ReactNode } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';

export interface MarkdownProps {
  text: string;
  onOpenLink: (url: string) => void;
}

function CodeBlock({ children }: { children?: ReactNode }) {
  const ref = useRef<HTMLPreElement>(null);
  const [copied, setCopied] = useState<'idle' | 'done' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(ref.current?.innerText ?? '');
      setCopied('done');
    } catch {
      setCopied('failed'); // no clipboard permission: say so instead of pretending
    }
    setTimeout(() => setCopied('idle'), 1500);
  };
  return (
    <div className="code-block">
      <button type="button" className="code-copy" onClick={copy} aria-label="Copy code">
        {copied === 'done' ? 'Copied' : copied === 'failed' ? 'Copy failed' : 'Copy'}
      </button>
      <pre ref={ref}>{children}</pre>
    </div>
  );
}

export const Markdown = memo(function Markdown({ text, onOpenLink }: MarkdownProps) {
  const components: Components = {
    pre: ({ children }) => <CodeBlock>{children}</CodeBlock>,
    a: ({ href, children }) => (
      <a
        href={href}
        rel="noreferrer noopener"
        title={href}
        onClick={(event) => {
          event.preventDefault();
          if (href) onOpenLink(href);
        }}
      >
        {children}
      </a>
    ),
    img: ({ alt }) => <span className="md-image">[image: {alt || 'no description'}]</span>,
  };
  return (
    <div className="markdown">
      <ReactMarkdown remarkPlugins={[remarkGfm]} skipHtml components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
});
