/// <reference lib="dom" />
/**
 * A web-mode tab across a server restart: while the server is down the status panel
 * says the gateway is unknown (not the last "Running, pid …") and the banner says to
 * start it again; the next `tether app --web` on the same data dir serves the same
 * URL (token and port kept in the settings folder, 0600), and the open tab
 * reconnects by itself and sends again. Desktop and 420 px, light and dark.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, expectGatewayState, test } from './fixtures.js';
import { launchWebApp } from './web-app.js';

test.use({ launch: { port: null } });

for (const width of [1280, 420]) {
  test(`an open tab survives a server restart (${width} px)`, async ({ app, openApp, page, shot }, testInfo) => {
    await page.setViewportSize({ width, height: 800 });
    await openApp();
    await expectGatewayState(page, 'running');
    const composer = page.getByLabel('Message to main');
    await composer.fill('before the restart');
    await composer.press('Enter');
    await expect(page.getByTestId('transcript').getByText('echo: before the restart')).toBeVisible();

    expect(statSync(join(app.settingsDir, 'web-address.json')).mode & 0o777).toBe(0o600);
    expect(await app.stop()).toBe(0);
    await expectGatewayState(page, 'unknown');
    await expect(page.getByTestId('gateway-pid')).toHaveCount(0);
    await expect(page.getByRole('status').filter({ hasText: 'Start it again with "tether app --web"' }).first()).toBeVisible();
    // The narrow header's status button says it too, not the last state it heard.
    if (width === 420) await expect(page.getByRole('button', { name: /^Gateway status:/u })).toHaveText('Reconnecting');
    for (const dark of [false, true]) await testInfo.attach(`server-down-${width}${dark ? '-dark' : ''}`, { path: await shot(`server-down-${width}`, { dark }), contentType: 'image/png' });

    const again = await launchWebApp({ port: null, reuseRoot: app.root });
    try {
      expect(again.url).toBe(app.url);
      await expectGatewayState(page, 'running', 30_000);
      await expect(page.getByText('Start it again')).toHaveCount(0);
      await composer.fill('after the restart');
      await composer.press('Enter');
      await expect(page.getByTestId('transcript').getByText('echo: after the restart')).toBeVisible();
      await testInfo.attach(`reconnected-${width}`, { path: await shot(`reconnected-${width}`), contentType: 'image/png' });
    } finally {
      expect(await again.stop()).toBe(0);
    }
  });
}
