/**
 * A session context as plain data, for `toEqual`: its messages oldest first.
 *
 * It also checks that the context's two views agree (`newestFirst` is `all`
 * reversed), so every test that compares a context covers both.
 */
import { expect } from 'vitest';
import type { ContextMessage, SessionContext } from '../../rpc-host/core/session-store.js';

export function plainContext(context: SessionContext): { summary: string | undefined; messages: ContextMessage[]; firstIndex: number; total: number } {
  const messages = context.all();
  expect([...context.newestFirst()].reverse(), 'newestFirst() is all() reversed').toEqual(messages);
  return { summary: context.summary, messages, firstIndex: context.firstIndex, total: context.total };
}
