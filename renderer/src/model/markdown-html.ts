/**
 * A remark plugin that turns raw HTML in a reply into text, so `<b>hi</b>` shows
 * as those characters instead of vanishing (dropped HTML loses what the model
 * wrote; rendered HTML would be an injection). React escapes the text.
 *
 * HTML that stood as a block becomes a paragraph of its own; inline HTML becomes
 * text in place.
 */

/** The part of an mdast node this plugin reads and writes. */
interface MdNode {
  type: string;
  value?: string;
  children?: MdNode[];
}

/** Containers whose children are blocks: text there needs a paragraph around it. */
const BLOCK_CONTAINERS = new Set(['root', 'blockquote', 'listItem', 'footnoteDefinition']);

/** The plugin (`remarkPlugins={[remarkHtmlAsText]}`). */
export function remarkHtmlAsText() {
  return (tree: MdNode): void => {
    htmlToText(tree);
  };
}

function htmlToText(node: MdNode): void {
  if (!node.children) return; // a leaf
  const block = BLOCK_CONTAINERS.has(node.type);
  node.children = node.children.map((child) => {
    if (child.type !== 'html') {
      htmlToText(child);
      return child;
    }
    const text: MdNode = { type: 'text', value: child.value ?? '' };
    return block ? { type: 'paragraph', children: [text] } : text;
  });
}
