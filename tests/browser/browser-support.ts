/**
 * What every browser test shares: Debian's Chromium driven by playwright-core
 * (skipped, with a note, where it is not installed; CI requires it), and
 * axe-core run on a page as it stands.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, chromium, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Whether the browser tests can run here; `what` names them in the note when they cannot. */
export function chromiumInstalled(what: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error('Chromium is required in CI: .ci/run should have installed it');
  console.warn(`Skipping ${what}: Chromium is not installed here (Debian package chromium; see .ci/run).`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Every rule axe-core has, or only WCAG 2.2 AA and best practice. */
export type AxeRules = 'all' | 'wcag22';

/**
 * axe-core's violations on the page, each as one line naming `where`, the rule
 * and the elements (empty when there are none). The page's context must bypass
 * the portal's CSP, which (rightly) blocks an injected script.
 */
export async function axeViolations(page: Page, where: string, rules: AxeRules = 'all'): Promise<string[]> {
  await page.addScriptTag({ content: AXE });
  const options =
    rules === 'wcag22'
      ? '{ runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"], resultTypes: ["violations"] }'
      : '{ resultTypes: ["violations"] }';
  const result = (await page.evaluate(`axe.run(document, ${options})`)) as {
    violations: Array<{ id: string; help: string; nodes: Array<{ target: string[] }> }>;
  };
  return result.violations.map(
    (v) => `${where}: ${v.id} (${v.help}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}
