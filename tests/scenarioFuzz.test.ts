import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createRandom } from '../sim/random.js';
import { expandFailures, parseScenario, ScenarioError } from '../sim/scenario/index.js';
import { mutant } from './helpers/scenarioMutants.js';
const fuzz = suite('parseScenario under fuzzing');

fuzz('3,000 mutated scenarios either parse or throw ScenarioError, never anything else', () => {
  const random = createRandom(20260302);
  let parsed = 0;
  let rejected = 0;
  for (let i = 0; i < 3_000; i++) {
    const { text, applied } = mutant(random);
    try {
      const scenario = parseScenario(text, 'fuzz.yaml');
      // What parses must also expand: the runner's next step.
      expandFailures(scenario, createRandom(scenario.seed));
      parsed++;
    } catch (error) {
      if (!(error instanceof ScenarioError)) {
        assert.unreachable(`case ${i} (${applied.join(', ')}) threw ${String(error)}\n--- input ---\n${text}`);
        throw error;
      }
      rejected++;
      for (const p of error.problems) {
        assert.is(p.file, 'fuzz.yaml');
        assert.ok(p.message.length > 0 && typeof p.path === 'string');
        assert.ok(p.line === null || (Number.isInteger(p.line) && p.line >= 1), `line ${p.line}`);
      }
      assert.ok(error.problems.length > 0, 'a ScenarioError names at least one problem');
    }
  }
  // Both outcomes must be common, or the mutations are not exercising the checks.
  assert.ok(parsed > 150, `${parsed} parsed`);
  assert.ok(rejected > 1_500, `${rejected} rejected`);
});

fuzz.run();
