/**
 * "Export as Markdown": the heading is the title (the key named under it), each
 * message under who wrote it and when, a reply that did not finish says so, and the
 * file name is safe on every file system.
 */
import { describe, expect, it } from 'vitest';
import { exportFileName, sessionMarkdown } from '../../renderer/src/model/session-export.js';

const TS = Date.UTC(2026, 10, 23, 14, 5);

describe('sessionMarkdown', () => {
  it('writes the title, each message with its author and time, and how unfinished replies ended', () => {
    const text = sessionMarkdown({ key: 'work', title: 'Release notes' }, [
      { index: 0, role: 'user', text: 'write the notes', ts: TS, runId: 'r1' },
      { index: 1, role: 'assistant', text: '# Notes\n\n- one', ts: TS, runId: 'r1', provider: 'ollama', model: 'llama3', state: 'complete' },
      { index: 2, role: 'user', text: 'more', ts: TS, runId: 'r2' },
      { index: 3, role: 'assistant', text: '', ts: TS, runId: 'r2', provider: 'echo', model: 'echo', state: 'failed', error: 'provider "x" exited with code 1' },
    ], TS);
    expect(text).toBe(
      [
        '# Release notes',
        '',
        'Session `work`, 4 messages, exported 2026-11-23 14:05 UTC from Tether.',
        '',
        '## You · 2026-11-23 14:05 UTC',
        '',
        'write the notes',
        '',
        '## Assistant (ollama/llama3) · 2026-11-23 14:05 UTC',
        '',
        '# Notes',
        '',
        '- one',
        '',
        '## You · 2026-11-23 14:05 UTC',
        '',
        'more',
        '',
        '## Assistant (echo) · 2026-11-23 14:05 UTC',
        '',
        '_(no text)_',
        '',
        '> Failed: provider "x" exited with code 1',
        '',
      ].join('\n'),
    );
  });
});

describe('exportFileName', () => {
  it.each([
    [{ key: 'work' }, 'work.md'],
    [{ key: 'x', title: 'Q3: plans / ideas?' }, 'Q3- plans - ideas-.md'],
    [{ key: '+1555' }, '-1555.md'],
    [{ key: 'k', title: '   ' }, 'session.md'],
  ])('%o → %s', (session, name) => {
    expect(exportFileName(session)).toBe(name);
  });
});
