import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../sim/runner.js';
import { parseScenario } from '../sim/scenario/index.js';
import { junitXml } from '../sim/summary.js';

/** junit.xml is read by CI's XML parsers: whatever a scenario's free text holds, the file stays XML 1.0. */
const Junit = suite('junit.xml from any scenario name');

Junit('a name with markup, quotes, control characters, a tab and a newline gives XML 1.0 that keeps what it can', async () => {
  const scenario = parseScenario(`name: "Tom & Jerry <x> 'q' \\"qq\\" \\x01 bell\\x07 tab\\t new\\nline"
agents: [ { id: a1 } ]
failures: [ { id: f, agent: a1, error: e } ]
expect: [ { metric: incidents, equals: 2 } ]
`, 'names.yaml');
  const junit = junitXml(await runScenario(scenario));
  // XML 1.0 has no way to write these, not even as &#1;: a parser refuses the file.
  assert.not.match(junit, /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
  assert.not.match(junit, /[\t\r]/, 'tab and carriage return as references, not folded into spaces');
  const name = 'Tom &amp; Jerry &lt;x&gt; &apos;q&apos; &quot;qq&quot; \uFFFD bell\uFFFD tab&#9; new&#10;line';
  assert.match(junit, `<testsuite name="${name}" tests="1" failures="1"`);
  assert.match(junit, `<testcase classname="${name}" name="metric incidents (expect[0])" time="0.000">`);
  assert.is(junit.split('\n').length, 9, 'the lines are the document\'s own: the name\'s newline is a reference');
});

Junit.run();
