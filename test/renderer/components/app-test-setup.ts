/**
 * The setup every test file of the whole chat window (`App`) shares: a clean
 * `localStorage` (the window keeps the open session and drafts there) and the
 * transcript's layout stand-in before each test; React's cleanup and the stand-in's
 * removal after.
 */
import { cleanup } from '@testing-library/react';
import { afterEach, beforeEach } from 'vitest';
import { installTranscriptLayout } from './fake-layout.js';

/** Registers the shared `beforeEach` and `afterEach` of an `App` test file (call it at the file's top level). */
export function setUpAppTests(): void {
  let removeLayout: () => void = () => {};
  beforeEach(() => {
    localStorage.clear();
    removeLayout = installTranscriptLayout();
  });
  afterEach(() => {
    cleanup();
    removeLayout();
  });
}
