/**
 * The main-process core, importable as `tether/companion`: the `Companion` facade
 * and the pieces it is made of, all free of Electron.
 */
export { Companion, createCompanion, type CompanionOptions, type CompanionState, type CompanionStatus, type SendResult, type SendOptions, type AbortResult, type CallOptions, type ServedVia, type SendInput } from './companion.js';
export { CompanionError, isCompanionError, type CompanionErrorCode, type CompanionErrorDetails, type GatewayReach, type ExitInfo } from './errors.js';
export { DEFAULT_RETRY_TIMEOUT_MS, DEFAULT_MAX_SEND_ATTEMPTS } from './send-retry.js';
export { Supervisor, type GatewayState, type SupervisorSnapshot, type StateChange } from './supervisor.js';
export { RpcClient, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_TOTAL_TIMEOUTS_MS, type RequestOptions } from './rpc-client.js';
export { StreamLineTransport, type LineTransport, type StreamLineTransportOptions } from './line-transport.js';
export { SettingsStore, SettingsSchema, DEFAULT_SETTINGS, defaultSettingsDir, type Settings, type SettingsPatch } from './settings.js';
export { RestartPolicy, DEFAULT_RESTART_POLICY, type RestartPolicyOptions } from './restart-policy.js';
export { resolveGatewayCommand, augmentedPath, type GatewayCommand, type CommandOverride, type CommandSource } from './command-resolution.js';
export { buildTrayModel, describeGateway, formatDuration, type TrayModel, type TrayMenuItem, type TrayIconName, type TrayActionId, type TrayToggleId } from './menu-model.js';
export { createFileLogger, type FileLogger, type FileLoggerOptions, type LogLevel } from './file-logger.js';
export type { Unsubscribe } from './emitter.js';
