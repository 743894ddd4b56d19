import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AuditText } from '../store/auditText.js';
import { hashValue, ValueTable } from '../store/valueTable.js';

const Values = suite('value table: values numbered, found by their hash');

const ascii = Array.from({ length: 500 }, (_, k) => `inc_${k.toString(32).padStart(16, '0')}`);
const other = ['café', 'naïve', '日本', 'plain'];

/** Every value of `table` found at its number, and values it lacks not found. */
function check(table: ValueTable, values: readonly string[]) {
  assert.is(table.size, values.length);
  values.forEach((value, k) => {
    assert.is(table.value(k + 1), value);
    assert.is(table.find(value, hashValue(value)), k + 1, value);
  });
  for (const missing of ['', 'inc_', 'caf', 'cafe', 'café!', `${values[0]}x`]) if (!values.includes(missing)) assert.is(table.find(missing, hashValue(missing)), 0, missing);
}

Values('ASCII values (kept as bytes) and others (kept as a string) are found by the hash of the string', () => {
  check(new ValueTable(AuditText.join(ascii)), ascii);
  check(new ValueTable(AuditText.join(other)), other);
  // A slot table made with the bytes is the one made with the string (it is written to the side file).
  const made = new ValueTable(AuditText.join(ascii));
  check(new ValueTable(AuditText.join(ascii), made.slots), ascii);
});

Values('merged tables number on in order, bytes or not, with no value lost', () => {
  const [a, b] = [ascii.slice(0, 200), ascii.slice(200)];
  const merged = ValueTable.merged([new ValueTable(AuditText.join(a)), new ValueTable(AuditText.join([])), new ValueTable(AuditText.join(b))]);
  check(merged, ascii);
  const mixed = ValueTable.merged([new ValueTable(AuditText.join(a)), new ValueTable(AuditText.join(other))]);
  check(mixed, [...a, ...other]);
});

Values.run();
