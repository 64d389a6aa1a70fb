// @ts-check
// Bundles the server into dist/ with esbuild: one file to load instead of hundreds of modules
// makes a cold start faster, and code split at each dynamic import() still loads only when its
// mode runs. Type-checking is `npm run typecheck`'s job.
import { chmodSync, rmSync } from "node:fs";
import { build } from "esbuild";

const outdir = new URL("../dist/", import.meta.url).pathname;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { index: "src/index.ts", reference: "src/tools/reference.ts" },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  legalComments: "none",
  logLevel: "warning",
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
  },
});
chmodSync(`${outdir}index.js`, 0o755);
