// The UI's KQL -> Query DSL translation (web/src/kql.js), which lets the UI
// work against real Elasticsearch too: shapes as Kibana produces them, and
// syntax errors with the offset the query bar marks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { completionContext, kqlToDsl, KqlSyntaxError, kqlValue } from '../../web/src/kql.js';

test('fields, values, exists, ranges, phrases and wildcards', () => {
  assert.deepEqual(kqlToDsl('source.ip:10.0.0.0/8 AND event.action:REJECT AND destination.ip:*'), { bool: { filter: [
    { match: { 'source.ip': '10.0.0.0/8' } }, { match: { 'event.action': 'REJECT' } }, { exists: { field: 'destination.ip' } }] } });
  assert.deepEqual(kqlToDsl('destination.port >= 1024'), { range: { 'destination.port': { gte: '1024' } } });
  assert.deepEqual(kqlToDsl('message:"a b"'), { match_phrase: { message: 'a b' } });
  assert.deepEqual(kqlToDsl('host:web*'), { wildcard: { host: { value: 'web*' } } });
  assert.deepEqual(kqlToDsl(''), { match_all: {} });
  assert.deepEqual(kqlToDsl('error'), { multi_match: { query: 'error', type: 'best_fields', lenient: true } });
});

test('and binds tighter than or; not; value lists; escapes', () => {
  assert.deepEqual(kqlToDsl('a:1 or b:2 and c:3'), { bool: { should: [{ match: { a: '1' } },
    { bool: { filter: [{ match: { b: '2' } }, { match: { c: '3' } }] } }], minimum_should_match: 1 } });
  assert.deepEqual(kqlToDsl('not a:1'), { bool: { must_not: [{ match: { a: '1' } }] } });
  assert.deepEqual(kqlToDsl('port:(22 or 3389)'), { bool: { should: [{ match: { port: '22' } }, { match: { port: '3389' } }],
                                                              minimum_should_match: 1 } });
  assert.deepEqual(kqlToDsl('path:a\\:b'), { match: { path: 'a:b' } });
  assert.deepEqual(kqlToDsl('x:AND1'), { match: { x: 'AND1' } });
});

test('syntax errors say where', () => {
  const at = (q) => { try { kqlToDsl(q); } catch (e) { assert.ok(e instanceof KqlSyntaxError); return [e.position, e.message]; } return null; };
  assert.deepEqual(at('source.ip:(10.0.0.1 or 10.0.0.2'), [10, 'missing ")" for the "(" here']);
  assert.deepEqual(at('a:b )'), [4, 'unbalanced ")"']);
  assert.deepEqual(at('a: and'), [3, 'expected a value']);
  assert.deepEqual(at('a:"open'), [2, 'unterminated quoted string']);
  assert.deepEqual(at('a:b c:d'), [4, 'expected "and", "or" or the end, found "c"']);
});

test('values are quoted when needed; completion context', () => {
  assert.equal(kqlValue('10.0.0.1'), '10.0.0.1');
  assert.equal(kqlValue('a b'), '"a b"');
  assert.equal(kqlValue('or'), '"or"');
  assert.deepEqual(completionContext('event.action:RE', 15), { kind: 'value', field: 'event.action', prefix: 'RE', start: 13 });
  assert.deepEqual(completionContext('a:1 and dest', 12), { kind: 'field', prefix: 'dest', start: 8 });
});
