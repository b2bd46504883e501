// Starts Debian's Chromium (never a downloaded browser) headless, with WebGPU on SwiftShader.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** The browser binary: $AACLIP_CHROMIUM, else Debian's /usr/bin/chromium. */
export const CHROMIUM_PATH = process.env.AACLIP_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Flags: new headless mode, WebGPU enabled on the SwiftShader (CPU) adapter, WebGL through
 * ANGLE on SwiftShader, and nothing that talks to the network on its own.
 */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--use-angle=swiftshader',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launches Chromium with a fresh profile in a temporary folder (Playwright's
 * `launchPersistentContext` passes it as `--user-data-dir`), removed again by `close()`.
 *
 * @example const { context, close } = await launchChromium(); const page = await context.newPage();
 */
export async function launchChromium(): Promise<Chromium> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it with \`apt-get update && apt-get install -y chromium\` (or set AACLIP_CHROMIUM)`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'aaclip-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1000, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
