// After `tsc -b tsconfig.build.json`: makes the two command-line tools executable and copies the browser
// files (the pages' stylesheet and scripts, the server's phone app) beside the compiled code, for the
// package (dist/) and the tests (build/). Their tsconfig.json files only type-check them.
import { chmodSync, cpSync } from 'node:fs';

for (const bin of ['dist/sandbox/cli.js', 'dist/server/cli.js']) chmodSync(bin, 0o755);
for (const source of ['views/assets', 'server/app']) {
  for (const out of ['dist', 'build/src']) {
    cpSync(`src/${source}`, `${out}/${source}`, { recursive: true, filter: (file) => !file.endsWith('.json') });
  }
}
