/**
 * `npm run gc -- [--dry-run] [--grace-ms N] [--delete-session <tenant>/<sessionId> ...]`
 * Deletes the named sessions' checkpoints (their refs), then sweeps unreferenced checkpoint objects from the store that S3_* / DATA_DIR name (the same
 * variables as the services). Prints the report as JSON on stdout; exits 2 when some tenant
 * could not be swept (the report's errors say why and what to do).
 */
import { loadConfig } from '@app/config';
import { ObjectCheckpointStore } from './checkpoint/object-checkpoint-store';
import { collectGarbage } from './gc/collect-garbage';
import { objectStoreFromConfig } from './object-store/from-config';

/** Longer than any checkpoint write and than ContentStore's default refreshAfterMs (1 h). */
const DEFAULT_GRACE_MS = 6 * 60 * 60_000;

interface GcArgs {
  dryRun: boolean;
  graceMs: number;
  /** Sessions whose checkpoints go first, so the sweep frees what only they used. */
  deleteSessions?: Array<{ tenant: string; sessionId: string }>;
}

const USAGE = 'gc-cli [--dry-run] [--grace-ms N] [--delete-session <tenant>/<sessionId> ...]';

export function parseGcArgs(argv: readonly string[]): GcArgs {
  const args: GcArgs = { dryRun: false, graceMs: DEFAULT_GRACE_MS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--dry-run') args.dryRun = true;
    else if (arg === '--grace-ms' || arg.startsWith('--grace-ms=')) {
      const raw = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      const value = Number(raw);
      if (!Number.isInteger(value) || value < 0)
        throw new Error(
          `--grace-ms needs a whole number of milliseconds >= 0, got ${raw ?? 'nothing'}`,
        );
      args.graceMs = value;
    } else if (arg === '--delete-session') {
      const [tenant, sessionId, extra] = (argv[++i] ?? '').split('/');
      if (!tenant || !sessionId || extra !== undefined)
        throw new Error(`--delete-session needs <tenant>/<sessionId>; usage: ${USAGE}`);
      (args.deleteSessions ??= []).push({ tenant, sessionId });
    } else {
      throw new Error(`unknown argument ${arg}; usage: ${USAGE}`);
    }
  }
  return args;
}

async function main(): Promise<number> {
  const args = parseGcArgs(process.argv.slice(2));
  const config = loadConfig();
  const store = objectStoreFromConfig(config.storage);
  const where = config.storage.s3 ? `s3://${config.storage.s3.bucket}` : config.storage.dataDir;
  console.error(
    `checkpoint GC on ${where}: grace ${args.graceMs} ms${args.dryRun ? ', dry run' : ''}`,
  );
  try {
    for (const { tenant, sessionId } of args.deleteSessions ?? []) {
      if (args.dryRun) continue;
      const { deleted } = await new ObjectCheckpointStore(store).deleteSession(tenant, sessionId);
      console.error(`deleted ${deleted} checkpoint(s) of ${tenant}/${sessionId}`);
    }
    const report = await collectGarbage(store, args);
    console.log(JSON.stringify(report, null, 2));
    const verb = args.dryRun ? 'would free' : 'freed';
    console.error(
      `${report.deleted} of ${report.scannedObjects} objects, ${verb} ${report.bytesFreed} bytes`,
    );
    return report.skippedTenants.length > 0 ? 2 : 0;
  } finally {
    store.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error((err as Error).message);
      process.exit(1);
    },
  );
}
