import { describe, expect, it } from 'vitest';
import { viewRouteFor } from '../../renderer/src/model/view-route.js';

describe('viewRouteFor', () => {
  it('shows quick ask on /quick, with or without a trailing slash', () => {
    expect(viewRouteFor('/quick')).toBe('quick-ask');
    expect(viewRouteFor('/quick/')).toBe('quick-ask');
  });

  it('shows the chat everywhere else', () => {
    for (const path of ['/', '/index.html', '/quicker', '/quick/more']) expect(viewRouteFor(path)).toBe('chat');
  });
});
