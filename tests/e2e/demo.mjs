// What the browser tests share: the demo site served by this build of the binary
// (MASTHEAD_BIN), and Debian's Chromium driven by playwright-core.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

/// Serves the demo from a new data folder on a free port; resolves once it prints its address
/// and the owner's password. `onLog`, when given, hears each line of the server's log.
export async function startDemo({ onLog } = {}) {
  const bin = process.env.MASTHEAD_BIN;
  assert.ok(bin, 'MASTHEAD_BIN names the masthead binary');
  const data = mkdtempSync(join(tmpdir(), 'masthead-e2e-'));
  const server = spawn(bin, ['serve', '--demo', '--data', data, '--addr', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', onLog ? 'pipe' : 'inherit'],
    env: { ...process.env, RUST_LOG: 'warn' },
  });
  if (onLog) createInterface({ input: server.stderr }).on('line', onLog);
  let base, ownerPassword;
  for await (const line of createInterface({ input: server.stdout })) {
    const serving = line.match(/ at (http:\/\/\S+)$/);
    if (serving && !base) base = serving[1];
    const login = line.match(/with the password (\S+)$/);
    if (login) { ownerPassword = login[1]; break; }
  }
  assert.ok(base && ownerPassword, 'the demo prints its address and an owner login');
  return { bin, data, server, base, ownerPassword };
}

export function launchChromium() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}
