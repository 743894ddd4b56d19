/**
 * A cluster engine's pg-boss schema is the store's with `_boss` added, and pg-boss takes a
 * name of at most 50 characters: a store schema of 46 to 63 characters (which the store
 * takes) is refused by openStore(…, { shared: true }), before anything connects, saying how
 * long it may be (createIncidentEngine used to refuse it only after openStore had made the
 * schema); before that, the engine started and `ready` rejected with pg-boss's assertion
 * ("Name cannot exceed 50 characters"), naming neither the schema nor the fix.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createIncidentEngine } from '../agents/engine.js';
import { EngineError } from '../agents/types.js';
import { checkClusterSchema } from '../agents/cluster/clusterEngine.js';
import { openStore, StoreError } from '../store/index.js';
import { pgSchema, sql } from './helpers/pgSchema.js';

const test = suite('cluster: the store schema leaves room for pg-boss\'s');

/** A schema of the test's own, padded to `length` characters. */
function schemaOf(length: number) {
  const base = pgSchema('cs');
  const name = `${base.name}_${'x'.repeat(length - base.name.length - 1)}`;
  return { name, url: base.url.replace(base.name, name), drop: () => sql(`DROP SCHEMA IF EXISTS ${name} CASCADE; DROP SCHEMA IF EXISTS ${name}_boss CASCADE`) };
}

test('46 characters: openStore shared refuses it before the schema is made, naming the longest that serves; 45: the engine starts', async () => {
  const long = schemaOf(46);
  try {
    const refused = await openStore(long.url, { shared: true }).then(
      async (store) => (await store.close(), null),
      (error: unknown) => error,
    );
    assert.instance(refused, StoreError);
    const shown = (refused as StoreError).file;
    assert.is((refused as Error).message, `incident-flow store: ${shown}: schema "${long.name}" has 46 characters; a cluster engine keeps its queue in the schema ${long.name}_boss, which pg-boss takes up to 50: give the store a ?schema= of at most 45 characters`);
    const made = await sql(`SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name = '${long.name}'`);
    assert.is(made.rows[0].n, 0, 'nothing was created: the schema does not exist');
    // The engine says the same of a target it is handed otherwise.
    assert.throws(
      () => checkClusterSchema({ schema: long.name, shown: 'postgres://…', connectionString: long.url }),
      (e: unknown) => e instanceof EngineError && e.message === `incident-flow: options.store: postgres://…: schema "${long.name}" has 46 characters; a cluster engine keeps its queue in the schema ${long.name}_boss, which pg-boss takes up to 50: give the store a ?schema= of at most 45 characters`,
    );
  } finally {
    await long.drop();
  }
  const fits = schemaOf(45);
  const fitting = await openStore(fits.url, { shared: true });
  try {
    const engine = createIncidentEngine({ store: fitting, cluster: { workers: 0 } });
    await engine.ready;
    await engine.stop();
  } finally {
    await fitting.close();
    await fits.drop();
  }
});

test.run();
