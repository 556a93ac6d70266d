import { describe, expect, it } from 'vitest';
import { BRIDGE_CHANNELS, BRIDGE_EVENT_NAMES, ipcChannelFor } from '../../../main/bridge.js';
import { IPC_EVENT_NAMES, IPC_REQUEST_NAMES, ipcName } from '../../../main/ipc-names.js';

describe('the preload channel names', () => {
  it('are exactly the bridge contract channels and events', () => {
    expect([...IPC_REQUEST_NAMES].sort()).toEqual([...BRIDGE_CHANNELS].sort());
    expect([...IPC_EVENT_NAMES].sort()).toEqual([...BRIDGE_EVENT_NAMES].sort());
  });

  it('map to the same IPC channels as ipcChannelFor', () => {
    for (const name of [...BRIDGE_CHANNELS, ...BRIDGE_EVENT_NAMES]) expect(ipcName(name)).toBe(ipcChannelFor(name));
  });
});
