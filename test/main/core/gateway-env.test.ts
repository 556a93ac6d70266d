/**
 * The gateway child's environment (`buildGatewayEnv`, `isAllowedVariable`): only the
 * allow-list and the LC_/XDG_/TETHER_ families pass, names compare case-insensitively,
 * PATH is replaced (under the parent's spelling of its name), TETHER_HOME comes from
 * the data dir, and `extra` then `command` win in that order.
 */
import { describe, expect, it } from 'vitest';
import { buildGatewayEnv, isAllowedVariable } from '../../../main/core/gateway-env.js';
import { GATEWAY_NODE_OPTIONS } from '../../../rpc-host/shared.js';

const PATH = '/project/node_modules/.bin:/usr/bin:/usr/local/bin';

describe('isAllowedVariable', () => {
  it.each(['HOME', 'USER', 'LANG', 'TZ', 'TMPDIR', 'HTTPS_PROXY', 'NODE_EXTRA_CA_CERTS', 'DISPLAY', 'SYSTEMROOT', 'PROGRAMFILES(X86)'])('allows %s', (name) => {
    expect(isAllowedVariable(name)).toBe(true);
  });

  it.each(['LC_ALL', 'LC_CTYPE', 'XDG_CONFIG_HOME', 'XDG_RUNTIME_DIR', 'TETHER_LOG', 'TETHER_HOME'])('allows the family member %s', (name) => {
    expect(isAllowedVariable(name)).toBe(true);
  });

  it.each([
    'NODE_OPTIONS',
    'ELECTRON_RUN_AS_NODE',
    'ELECTRON_NO_ATTACH_CONSOLE',
    'npm_config_x',
    'npm_lifecycle_event',
    'AWS_SECRET_ACCESS_KEY',
    'OPENAI_API_KEY',
    'VSCODE_INSPECTOR_OPTIONS',
    'PATH', // handled on its own: replaced, never copied
    'HOMEX', // a name must match whole, not by prefix
    'XLC_ALL', // a family prefix must start the name
  ])('drops %s', (name) => {
    expect(isAllowedVariable(name)).toBe(false);
  });

  it.each(['home', 'Lang', 'SystemRoot', 'windir', 'ComSpec', 'ProgramFiles(x86)', 'lc_all', 'Xdg_Data_Home', 'tether_log'])(
    'compares %s case-insensitively',
    (name) => {
      expect(isAllowedVariable(name)).toBe(true);
    },
  );
});

describe('buildGatewayEnv', () => {
  it('passes only allow-listed variables and families, and drops the rest', () => {
    const env = buildGatewayEnv(
      {
        HOME: '/home/ada',
        LANG: 'en_GB.UTF-8',
        LC_ALL: 'C',
        XDG_CONFIG_HOME: '/home/ada/.config',
        TETHER_LOG: 'debug',
        NODE_OPTIONS: '--inspect',
        ELECTRON_RUN_AS_NODE: '1',
        npm_config_x: 'y',
        AWS_SECRET_ACCESS_KEY: 'secret',
        PATH: '/usr/bin',
      },
      { path: PATH },
    );
    expect(env).toEqual({
      HOME: '/home/ada',
      LANG: 'en_GB.UTF-8',
      LC_ALL: 'C',
      XDG_CONFIG_HOME: '/home/ada/.config',
      TETHER_LOG: 'debug',
      NODE_OPTIONS: GATEWAY_NODE_OPTIONS, // the gateway's own, not the parent's --inspect
      PATH,
    });
  });

  it("lets the settings' gatewayEnv replace the gateway's NODE_OPTIONS", () => {
    expect(buildGatewayEnv({ NODE_OPTIONS: '--inspect' }, { path: PATH }).NODE_OPTIONS).toBe(GATEWAY_NODE_OPTIONS);
    expect(buildGatewayEnv({}, { path: PATH, extra: { NODE_OPTIONS: '--max-old-space-size=512' } }).NODE_OPTIONS).toBe('--max-old-space-size=512');
  });

  it('keeps the parent names as they are spelled (Windows-style names)', () => {
    const env = buildGatewayEnv({ SystemRoot: 'C:\\Windows', ComSpec: 'C:\\Windows\\system32\\cmd.exe', Path: 'C:\\old', Secret: 'x' }, { path: 'C:\\new;C:\\old' });
    expect(env).toEqual({ SystemRoot: 'C:\\Windows', ComSpec: 'C:\\Windows\\system32\\cmd.exe', Path: 'C:\\new;C:\\old', NODE_OPTIONS: GATEWAY_NODE_OPTIONS });
    expect(env).not.toHaveProperty('PATH'); // one search path, under the parent's spelling
  });

  it('replaces the parent PATH with the given one', () => {
    const env = buildGatewayEnv({ PATH: '/parent/bin' }, { path: PATH });
    expect(env.PATH).toBe(PATH);
  });

  it('sets PATH when the parent has none', () => {
    expect(buildGatewayEnv({ HOME: '/h' }, { path: PATH })).toEqual({ HOME: '/h', PATH, NODE_OPTIONS: GATEWAY_NODE_OPTIONS });
  });

  it('skips variables whose value is undefined', () => {
    const env = buildGatewayEnv({ HOME: undefined, USER: 'ada' }, { path: PATH });
    expect(env).toEqual({ USER: 'ada', PATH, NODE_OPTIONS: GATEWAY_NODE_OPTIONS });
    expect(Object.keys(env)).not.toContain('HOME');
  });

  it('sets TETHER_HOME from the data dir, over the parent one', () => {
    expect(buildGatewayEnv({ TETHER_HOME: '/parent/data' }, { path: PATH, dataDir: '/app/data' }).TETHER_HOME).toBe('/app/data');
  });

  it('passes the parent TETHER_HOME when no data dir is given', () => {
    expect(buildGatewayEnv({ TETHER_HOME: '/parent/data' }, { path: PATH }).TETHER_HOME).toBe('/parent/data');
  });

  it('lets extra variables win over the parent, and adds ones the allow-list would drop', () => {
    const env = buildGatewayEnv({ HOME: '/home/ada', LANG: 'C' }, { path: PATH, extra: { LANG: 'de_DE.UTF-8', OPENAI_API_KEY: 'sk-test' } });
    expect(env).toEqual({ HOME: '/home/ada', LANG: 'de_DE.UTF-8', OPENAI_API_KEY: 'sk-test', PATH, NODE_OPTIONS: GATEWAY_NODE_OPTIONS });
  });

  it('lets extra win over TETHER_HOME from the data dir', () => {
    expect(buildGatewayEnv({}, { path: PATH, dataDir: '/app/data', extra: { TETHER_HOME: '/custom' } }).TETHER_HOME).toBe('/custom');
  });

  it('lets the command variables win over everything', () => {
    const env = buildGatewayEnv(
      { TETHER_LOG: 'info', ELECTRON_RUN_AS_NODE: '0' },
      {
        path: PATH,
        dataDir: '/app/data',
        extra: { TETHER_LOG: 'debug', ELECTRON_RUN_AS_NODE: '0', TETHER_HOME: '/custom' },
        command: { ELECTRON_RUN_AS_NODE: '1', TETHER_LOG: 'warn', TETHER_HOME: '/from-command' },
      },
    );
    expect(env).toEqual({ TETHER_LOG: 'warn', ELECTRON_RUN_AS_NODE: '1', TETHER_HOME: '/from-command', PATH, NODE_OPTIONS: GATEWAY_NODE_OPTIONS });
  });

  it('does not change the parent environment', () => {
    const parent = { HOME: '/home/ada', PATH: '/usr/bin', NODE_OPTIONS: '--inspect' };
    buildGatewayEnv(parent, { path: PATH, dataDir: '/d', extra: { A: 'b' }, command: { C: 'd' } });
    expect(parent).toEqual({ HOME: '/home/ada', PATH: '/usr/bin', NODE_OPTIONS: '--inspect' });
  });
});
