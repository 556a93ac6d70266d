/**
 * What the gateway shares with the processes that drive it, besides the wire
 * protocol (`protocol/`): the default data dir, the logger they print with, the
 * version, and the one owner of starting and killing a process tree (the app's
 * gateway child and the gateway's `command` providers are both trees).
 *
 * With `protocol/`, the whole of rpc-host/ that main/ may import (a lint rule holds
 * it to that), so the app depends on the gateway's contract, not its insides.
 */
export { defaultDataDir } from './data-dir.js';
export { createLogger, silentLogger, type Logger } from './log.js';
export { TETHER_VERSION } from './version.js';
export { GATEWAY_NODE_OPTIONS } from './node-options.js';
export { startProcessTree, type ProcessTree, type TreeExit } from './process-tree/process-tree.js';
export { reapOrphanedTrees, treeRecordsDir, treeRecordsOf, type ReapedTree } from './process-tree/tree-records.js';
export { ALREADY_SERVING_EXIT_CODE, CONFIG_ERROR_EXIT_CODE } from './exit-codes.js';
