// The hydrate bundle's size as each page downloads it: the main module every page loads, and
// for each group of pages (app/src/routes.rs) the main module with the chunks the group needs,
// as listed in the split manifest; raw, brotli and gzip (the .br/.gz files cargo-leptos'
// --precompress wrote). Run by scripts/first-page.sh: `node scripts/bundle-sizes.mjs PKG_DIR`.
import { existsSync, readFileSync, statSync } from 'node:fs';

const pkg = process.argv[2];
if (!pkg) {
  console.error('usage: node scripts/bundle-sizes.mjs PKG_DIR');
  process.exit(2);
}
const size = (file) => (existsSync(file) ? statSync(file).size : NaN);
const sizes = (modules) =>
  modules
    .map((m) => `${pkg}/${m}.wasm`)
    .reduce(
      (sum, f) => ({ raw: sum.raw + size(f), br: sum.br + size(`${f}.br`), gz: sum.gz + size(`${f}.gz`) }),
      { raw: 0, br: 0, gz: 0 },
    );
const kb = (n) => (Number.isNaN(n) ? "n/a" : `${(n / 1024).toFixed(0)} KB`);
const line = (what, modules) => {
  const s = sizes(modules);
  console.log(`  ${what.padEnd(22)} ${kb(s.raw).padStart(8)} raw, ${kb(s.br).padStart(7)} brotli, ` +
    `${kb(s.gz).padStart(7)} gzip -9, ${modules.length} file(s)`);
};
console.log('hydrate bundle:');
line('main module', ['scheduleman']);
const manifest = `${pkg}/__wasm_split_manifest.json`;
if (existsSync(manifest)) {
  for (const [split, modules] of Object.entries(JSON.parse(readFileSync(manifest, 'utf8')))) {
    line(`+ ${split.replace(/_\d+$/, '')}`, ['scheduleman', ...modules]);
  }
}
