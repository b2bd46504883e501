// npm run parity -- --fixture DIR --out FILE.safetensors [--weights FILE] [--adapters FILE...] [--vocab FILE] [--backend cpu|wasm]
import { parseCliArgs } from './cli-args';
import { userMessage } from './cli/common';
import { useBackend, formatBackendReport, ensureGradients, type NodeBackendName } from '@aaclip/backend-node';
import { writeFileAtomic } from '@aaclip/backend-node/tools';
import { encodeParityOutputs, formatParityTable, runParity } from '@aaclip/backend-node';

const USAGE = 'usage: aaclip-parity --fixture DIR --out FILE.safetensors [--weights FILE] [--adapters FILE]... [--vocab FILE] [--backend cpu|wasm|webgpu|cuda|native-cpu] [--only PREFIX[,PREFIX...]]';

async function main(): Promise<number> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseCliArgs(process.argv.slice(2), {
      fixture: 'string',
      out: 'string',
      weights: 'string',
      adapters: 'list',
      vocab: 'string',
      backend: 'string',
      only: 'list',
      help: 'boolean',
    }, { positionals: false }));
  } catch (e) {
    console.error(`aaclip-parity: ${userMessage(e)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.fixture || !values.out) {
    console.error(`aaclip-parity: --fixture and --out are required\n${USAGE}`);
    return 2;
  }
  const report = await useBackend(values.backend as NodeBackendName | undefined);
  console.error(formatBackendReport(report));
  await ensureGradients();
  const t0 = performance.now();
  const res = await runParity({
    fixture: values.fixture as string,
    weights: values.weights as string | undefined,
    adapters: values.adapters as string[] | undefined,
    vocab: values.vocab as string | undefined,
    only: values.only as string[] | undefined,
  });
  await writeFileAtomic(values.out as string, encodeParityOutputs(res.outputs));
  console.log(formatParityTable(res.rows));
  const failed = res.rows.filter((r) => !r.ok).length;
  console.log(`\n${res.rows.length - failed} passed, ${failed} failed (${((performance.now() - t0) / 1000).toFixed(1)} s, backend ${report.active}); wrote ${res.outputs.size} tensors to ${values.out}`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`aaclip-parity: ${userMessage(err)}`);
    process.exit(1);
  },
);
