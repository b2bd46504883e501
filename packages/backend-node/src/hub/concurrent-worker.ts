// A process that downloads one Hub file and prints where it landed: the two-process lock test
// (concurrent.test.ts) starts two of these at once. Usage: node worker.mjs <cacheDir> <endpoint> <repo> <file>
import { hubDownload } from './hub-download';

const [cacheDir, endpoint, repo, file] = process.argv.slice(2);
let waited = false;
hubDownload(
  { repo: repo!, revision: 'main', file: file! },
  { cacheDir, endpoint, retryDelayMs: 1, env: {}, onProgress: (p) => void (p.waitingForPid !== undefined && (waited = true)) },
).then(
  (path) => process.stdout.write(`${JSON.stringify({ path, waited, pid: process.pid })}\n`),
  (e: unknown) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  },
);
