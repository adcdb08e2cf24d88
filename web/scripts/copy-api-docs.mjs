// Copies the Swagger UI files the API reference page needs from
// node_modules/swagger-ui-dist into dist/api-docs/ (nothing from a CDN).
// Runs after `vite build`, which has already copied public/api-docs/.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(web, 'package.json'));
const source = dirname(require.resolve('swagger-ui-dist/package.json'));
const target = join(web, 'dist', 'api-docs');
mkdirSync(target, { recursive: true });
for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css', 'LICENSE']) {
  const from = join(source, file);
  if (!existsSync(from)) throw new Error(`swagger-ui-dist lacks ${file}`);
  copyFileSync(from, join(target, file === 'LICENSE' ? 'swagger-ui-LICENSE.txt' : file));
}
console.log(`api-docs: copied Swagger UI into ${target}`);
