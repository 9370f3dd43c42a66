// Bundles the studio's pages with esbuild: one bundle (script + stylesheet) per kind of page, into
// web/static/build/ (build output, git-ignored). Add a page kind by adding an entry here.
import * as esbuild from 'esbuild';
import { rmSync } from 'node:fs';

const OUT = 'web/static/build';

export const ENTRIES = {
  'studio-editor': 'web/frontend/editor/main.js',
  'studio-compare': 'web/frontend/compare/main.js',
  'auditor-path': 'web/frontend/path/main.js',
  reports: 'web/frontend/reports/main.js',
};

rmSync(OUT, { recursive: true, force: true });
await esbuild.build({
  entryPoints: ENTRIES,
  outdir: OUT,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  // The diagram fonts are files served from 'self': the pages' Content-Security-Policy allows no data: fonts.
  loader: { '.woff': 'file', '.woff2': 'file', '.eot': 'file', '.ttf': 'file', '.svg': 'file' },
  assetNames: 'assets/[name]-[hash]',
  jsx: 'transform',
  jsxFactory: 'h',
  jsxFragment: 'Fragment',
  legalComments: 'linked',
  logLevel: 'warning',
});
console.log(`built ${Object.keys(ENTRIES).join(', ')} into ${OUT}/`);
