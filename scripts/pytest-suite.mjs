#!/usr/bin/env node
/**
 * Runs the Python client's test suite (clients/python) and writes its JUnit XML report.
 *
 * Usage: `node scripts/pytest-suite.mjs REPORT.xml [pytest args...]`. On a fresh
 * machine it first creates clients/python/.venv from PyPI with the pinned tools of
 * requirements-dev.txt (pytest, mypy, ruff, build); it reinstalls them when that file
 * changes. The suite drives the compiled gateway, so dist/ is built when missing.
 * ruff and mypy --strict run as tests inside the suite (tests/test_package.py), so
 * they are counted like any other test. Exits with pytest's exit code.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packageDir = join(root, 'clients/python');
const venvDir = join(packageDir, '.venv');
const python = join(venvDir, 'bin/python');
const requirements = join(packageDir, 'requirements-dev.txt');
const stamp = join(venvDir, '.requirements-sha256');

const [report, ...pytestArgs] = process.argv.slice(2);
if (!report) {
  console.error('usage: node scripts/pytest-suite.mjs REPORT.xml [pytest args...]');
  process.exit(2);
}

/** Runs a command with inherited output; exits the script, naming the step, when it fails. */
function step(what, command, args, options = {}) {
  const run = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (run.status !== 0) {
    console.error(`pytest suite: ${what} failed (${command} ${args.join(' ')} exited with ${run.status ?? run.signal})`);
    process.exit(1);
  }
}

const wanted = createHash('sha256').update(readFileSync(requirements)).digest('hex');
const have = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
if (!existsSync(python) || have !== wanted) {
  const systemPython = process.env.PYTHON ?? 'python3';
  console.log(`pytest suite: setting up ${venvDir} from PyPI (${requirements})`);
  if (!existsSync(python)) step('creating the venv (is Python 3.10+ installed? set PYTHON to choose one)', systemPython, ['-m', 'venv', venvDir]);
  step('installing the test tools', python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements]);
  writeFileSync(stamp, `${wanted}\n`);
}

if (!existsSync(join(root, 'dist/rpc-host/cli.cjs'))) {
  step('building the gateway (npm run build)', process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root });
}

const run = spawnSync(python, ['-m', 'pytest', '-q', '-rs', `--junitxml=${report}`, ...pytestArgs], { cwd: packageDir, stdio: 'inherit' });
process.exit(run.status ?? 1);
