/**
 * Renders reply text as markdown, safely: raw HTML in the text is shown as text
 * (escaped, never injected), link targets pass react-markdown's URL filter, and a
 * click on a link goes to the app (which opens it outside, through the bridge)
 * instead of navigating the window. Code blocks get a header with the language and
 * a Copy button that says "Copied", above the code rather than over its first line.
 */
import { isValidElement, memo, useRef, type ReactNode } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { remarkHtmlAsText } from '../model/markdown-html.js';
import { copyLabel, useCopy } from './use-copy.js';

export interface MarkdownProps {
  text: string;
  onOpenLink: (url: string) => void;
}

/** The language a fenced block names (```ts), from its `code` child's class. */
function languageOf(children: ReactNode): string | null {
  if (!isValidElement<{ className?: string }>(children)) return null;
  return /language-(\S+)/u.exec(children.props.className ?? '')?.[1] ?? null;
}

function CodeBlock({ children }: { children?: ReactNode }) {
  const ref = useRef<HTMLPreElement>(null);
  const [copied, copy] = useCopy();
  const language = languageOf(children);
  return (
    <div className="code-block">
      <div className="code-header">
        <span className="code-language">{language ?? 'code'}</span>
        <button type="button" className={`code-copy${copied === 'done' ? ' is-done' : ''}`} onClick={() => void copy(ref.current?.innerText ?? '')} aria-label="Copy code">
          {copyLabel(copied)}
        </button>
        <span className="visually-hidden" role="status">
          {copied === 'done' ? 'Code copied' : ''}
        </span>
      </div>
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
      <ReactMarkdown remarkPlugins={[remarkGfm, remarkHtmlAsText]} components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
});
