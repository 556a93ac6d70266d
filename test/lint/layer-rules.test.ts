/**
 * The layer rules of eslint.config.mjs, each made to fail on a deliberate
 * violation (and to let the allowed neighbour through), so a rule that stops
 * matching cannot go unnoticed. `npm run lint` holds the real tree to them.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RULE = '@typescript-eslint/no-restricted-imports';

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

/** The layer-rule messages ESLint gives `code` as if it were the file at `path`. */
async function layerErrors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport {};\n`, { filePath: join(ROOT, path) });
  return result!.messages.filter((message) => message.ruleId === RULE).map((message) => message.message);
}

describe('layer rules', () => {
  it('rpc-host/ imports nothing from main/ or renderer/', async () => {
    expect(await layerErrors('rpc-host/core/probe.ts', "import { createCompanion } from '../../main/core/companion.js';")).toEqual([
      expect.stringContaining('rpc-host/ imports nothing from main/ or renderer/'),
    ]);
    expect(await layerErrors('rpc-host/cli.ts', "import type { App } from '../renderer/src/components/App.js';")).toHaveLength(1);
    expect(await layerErrors('rpc-host/core/probe.ts', "import { ProtocolError } from '../protocol/errors.js';")).toEqual([]);
  });

  it('the gateway builds the result schemas only where it reads answers', async () => {
    const file = 'rpc-host/core/probe.ts';
    expect(await layerErrors(file, "import { SendPayloadSchema } from '../protocol/results.js';")).toEqual([expect.stringContaining('protocol/requests.ts')]);
    expect(await layerErrors(file, "import { DEFAULT_SESSION } from '../protocol/schemas.js';")).toEqual([expect.stringContaining('protocol/requests.ts')]);
    expect(await layerErrors(file, "import type { SendPayload } from '../protocol/schemas.js';")).toEqual([]);
    expect(await layerErrors(file, "import { DEFAULT_SESSION } from '../protocol/requests.js';")).toEqual([]);
    // protocol/ itself puts the whole protocol together.
    expect(await layerErrors('rpc-host/protocol/probe.ts', "import { SendPayloadSchema } from './results.js';")).toEqual([]);
  });

  it('renderer/ imports only types from main/bridge/ (and the web frames)', async () => {
    const file = 'renderer/src/components/Probe.tsx';
    expect(await layerErrors(file, "import type { BridgeClient } from '../../../main/bridge/contract.js';")).toEqual([]);
    expect(await layerErrors(file, "import type { WebServerFrame } from '../../../main/web/frames.js';")).toEqual([]);
    expect(await layerErrors(file, "import { BRIDGE_REQUESTS } from '../../../main/bridge/contract.js';")).toEqual([expect.stringContaining('use `import type`')]);
    // The notices are plain data in, plain data out: the web page shows them as the desktop does.
    expect(await layerErrors(file, "import { replyNotice } from '../../../main/bridge/notices.js';")).toEqual([]);
    expect(await layerErrors(file, "import type { Companion } from '../../../main/core/companion.js';")).toEqual([expect.stringContaining('nothing else of main/')]);
    expect(await layerErrors(file, "import type { SendPayload } from '../../../rpc-host/protocol/schemas.js';")).toEqual([expect.stringContaining('never imports the gateway')]);
    expect(await layerErrors(file, "import { readFileSync } from 'node:fs';")).toEqual([expect.stringContaining('no Node modules')]);
    expect(await layerErrors(file, "import { ipcRenderer } from 'electron';")).toEqual([expect.stringContaining('never imports electron')]);
  });

  it('electron is imported only in main/electron/ and the preload (types anywhere)', async () => {
    expect(await layerErrors('main/core/probe.ts', "import { app } from 'electron';")).toEqual([expect.stringContaining('only in main/electron/ and main/preload.ts')]);
    expect(await layerErrors('main/web/probe.ts', "import { shell } from 'electron';")).toHaveLength(1);
    expect(await layerErrors('rpc-host/probe.ts', "import { app } from 'electron';")).toHaveLength(1);
    expect(await layerErrors('main/core/probe.ts', "import type { WebContents } from 'electron';")).toEqual([]);
    expect(await layerErrors('main/electron/probe.ts', "import { app } from 'electron';")).toEqual([]);
    expect(await layerErrors('main/preload.ts', "import { contextBridge, ipcRenderer } from 'electron';")).toEqual([]);
  });

  it('raw ipcMain and ipcRenderer only in the IPC module and the preload', async () => {
    expect(await layerErrors('main/electron/tray.ts', "import { ipcMain } from 'electron';")).toEqual([expect.stringContaining('only in main/electron/ipc.ts')]);
    expect(await layerErrors('main/electron/chat-window.ts', "import { ipcRenderer } from 'electron';")).toHaveLength(1);
    expect(await layerErrors('main/electron/ipc.ts', "import { ipcMain } from 'electron';")).toEqual([]);
    expect(await layerErrors('main/electron/tray.ts', "import { Tray } from 'electron';")).toEqual([]);
  });

  it('main/ uses only the public surface of rpc-host/ (protocol/ and shared.ts)', async () => {
    for (const file of ['main/core/probe.ts', 'main/bridge/probe.ts', 'main/electron/probe.ts', 'main/web/probe.ts']) {
      expect(await layerErrors(file, "import { loadConfig } from '../../rpc-host/core/config.js';"), file).toEqual([expect.stringContaining('rpc-host/protocol/ and rpc-host/shared.ts')]);
      expect(await layerErrors(file, "import { SendRequestSchema } from '../../rpc-host/protocol/schemas.js';"), file).toEqual([]);
      expect(await layerErrors(file, "import { createLogger } from '../../rpc-host/shared.js';"), file).toEqual([]);
    }
    expect(await layerErrors('main/launch/probe.ts', "import { runTetherCli } from '../../rpc-host/cli-commands.js';")).toEqual([]);
    expect(await layerErrors('main/launch/probe.ts', "import { enableCompileCache } from '../../rpc-host/compile-cache.js';")).toEqual([]);
    expect(await layerErrors('main/launch/probe.ts', "import { Gateway } from '../../rpc-host/core/gateway.js';")).toHaveLength(1);
  });

  it('main/ never imports the renderer', async () => {
    expect(await layerErrors('main/web/probe.ts', "import type { App } from '../../renderer/src/components/App.js';")).toEqual([expect.stringContaining('never imports the renderer')]);
  });
});
