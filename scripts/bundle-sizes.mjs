// The hydrate bundle's size as each page downloads it: the main module every page loads, and
// for each group of pages (app/src/routes.rs) the main module with the chunks the group needs,
// as listed in the split manifest; raw, brotli (quality 11, as cargo-leptos' --precompress
// writes it) and `gzip -9`. Run by scripts/first-page.sh: `node scripts/bundle-sizes.mjs PKG_DIR`.
import { existsSync, readFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const pkg = process.argv[2];
if (!pkg) {
  console.error('usage: node scripts/bundle-sizes.mjs PKG_DIR');
  process.exit(2);
}
const measure = (module) => {
  const raw = readFileSync(`${pkg}/${module}.wasm`);
  return {
    raw: raw.length,
    br: brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    gz: gzipSync(raw, { level: 9 }).length,
  };
};
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
const line = (what, modules) => {
  const s = modules.map(measure).reduce(
    (sum, m) => ({ raw: sum.raw + m.raw, br: sum.br + m.br, gz: sum.gz + m.gz }),
    { raw: 0, br: 0, gz: 0 },
  );
  console.log(`  ${what.padEnd(22)} ${kb(s.raw).padStart(8)} raw, ${kb(s.br).padStart(7)} brotli, ` +
    `${kb(s.gz).padStart(7)} gzip -9, ${modules.length} file(s)`);
  return s;
};
console.log('hydrate bundle:');
const main = line('main module', ['scheduleman']);
const manifest = `${pkg}/__wasm_split_manifest.json`;
if (existsSync(manifest)) {
  // Issue 21's goal for the module every page loads. A split build far over it has most
  // likely kept its read-only data in the main module (wasm-split's "Overlong segment"; see
  // SPLIT_DATA_ROOM in frontend/src/lib.rs).
  const goal = 350 * 1024;
  console.log(`  (the main module is ${main.gz <= goal ? 'within' : 'OVER'} issue 21's 350 KB gzip -9)`);
  for (const [split, modules] of Object.entries(JSON.parse(readFileSync(manifest, 'utf8')))) {
    line(`+ ${split.replace(/_\d+$/, '')}`, ['scheduleman', ...modules]);
  }
}
