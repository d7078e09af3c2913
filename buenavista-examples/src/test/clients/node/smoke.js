// node-postgres (pure JavaScript, extended protocol) against a Buena Vista DuckDB server.
//
// Usage: node smoke.js PORT [FIXTURE_PORT]
// Prints one "ok: <step>" line per passed step; any failure exits non-zero.
// FIXTURE_PORT, when given, serves the cachedb fixture database read-only.
'use strict';

const assert = require('node:assert/strict');
const { Client } = require('pg');

function client(port) {
  return new Client({ host: '127.0.0.1', port, user: 'smoke', database: 'smoke', ssl: false,
    connectionTimeoutMillis: 10000 });
}

function ok(actual, expected, what) {
  assert.deepStrictEqual(actual, expected, what);
  console.log(`ok: ${what}`);
}

async function main(port, fixturePort) {
  const c = client(port);
  await c.connect();
  ok((await c.query('select 1 as one')).rows, [{ one: 1 }], 'connect');

  const p = await c.query('select $1::integer + 1 as n, $2::varchar as s, $3::integer is null as z', [41, "x'y", null]);
  ok(p.rows, [{ n: 42, s: "x'y", z: true }], 'parameters');

  await c.query('create temp table smoke_node(id integer primary key, name varchar)');
  await c.query('begin');
  for (const [id, name] of [[1, 'a'], [2, 'b'], [3, 'c']]) {
    await c.query('insert into smoke_node values ($1, $2)', [id, name]);
  }
  await c.query('commit');
  const t = await c.query("select count(*)::integer as n, string_agg(name, ',' order by id) as s from smoke_node");
  ok(t.rows, [{ n: 3, s: 'a,b,c' }], 'transaction');

  // A named query is parsed once per connection and then only bound and executed.
  const names = [];
  for (const id of [1, 2, 3]) {
    const r = await c.query({ name: 'smoke-by-id', text: 'select name from smoke_node where id = $1', values: [id] });
    names.push(r.rows[0].name);
  }
  ok(names, ['a', 'b', 'c'], 'prepared statement executed 3 times');

  await assert.rejects(c.query('select * from no_such_table'), (e) => e.code === '42P01');
  ok(true, true, 'error');
  ok((await c.query('select $1::integer * 2 as n', [21])).rows, [{ n: 42 }], 'recovery after error');

  await c.query('begin');
  await assert.rejects(c.query('select * from no_such_table'), (e) => e.code === '42P01');
  await assert.rejects(c.query('select 1'), (e) => e.code === '25P02');
  await c.query('rollback');
  ok((await c.query('select 2 as n')).rows, [{ n: 2 }], 'recovery after error in a transaction');

  await c.query('set search_path to public');
  ok((await c.query('select count(*)::integer as n from smoke_node')).rows, [{ n: 3 }], 'set search_path');

  // node-postgres sends every parameter untyped: the statement keeps its own columns, and a parameter nothing
  // types ($2 IS NULL) is refused as PostgreSQL refuses it, never answered with another shape.
  const u = await c.query('select $1 as a, 5 as b', [null]);
  ok([u.fields.map((f) => f.name), u.rows], [['a', 'b'], [{ a: null, b: 5 }]], 'untyped parameters');
  await assert.rejects(c.query('select id from smoke_node where name = $1 or $2 is null', ['a', null]),
    (e) => e.code === '42P18');
  ok(true, true, 'untyped parameter refused as PostgreSQL does');

  const big = await c.query({ text: 'select i from range(1000000) t(i)', rowMode: 'array' });
  ok(big.rows.length, 1000000, '1 M rows');
  await c.end();

  if (fixturePort !== undefined) {
    // The server attaches the fixture read-only as schema "testschema" (--attach); its columns are upper case.
    const f = client(fixturePort);
    await f.connect();
    const r = await f.query('SELECT * FROM testschema.person WHERE person_id = $1', [1]);
    // BIGINT comes back as a string: node-postgres does not parse int8 by default.
    ok(r.rows.map((row) => [row.PERSON_ID, row.YEAR_OF_BIRTH, row.PERSON_SOURCE_VALUE]),
      [['1', '1923', '00013D2EFD8E45D1']], 'cachedb fixture');
    await f.end();
  }
}

const [port, fixturePort] = process.argv.slice(2).map(Number);
main(port, fixturePort).catch((e) => {
  console.error(e);
  process.exit(1);
});
