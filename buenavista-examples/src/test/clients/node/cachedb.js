// node-postgres against `buenavista.jar cachedb`, as the platform's services use it: the token as the password,
// person by a $1 parameter, then `SET search_path` and unqualified tables.
//
// Usage: CACHEDB_TOKEN=<jwt> node cachedb.js PORT USER_ID DATABASE=YEAR [DATABASE=YEAR ...]
// For each DATABASE (a cachedb route) person 2 of cdmdefault.person must be (2, YEAR) and
// current_setting('cachedb.user_id') USER_ID. Prints one "ok: <step>" line per passed step; any failure exits
// non-zero.
'use strict';

const assert = require('node:assert/strict');
const { Client } = require('pg');

function ok(actual, expected, what) {
  assert.deepStrictEqual(actual, expected, what);
  console.log(`ok: ${what}`);
}

async function route(port, userId, database, year) {
  const c = new Client({ host: '127.0.0.1', port, user: 'platform-service', password: process.env.CACHEDB_TOKEN,
    database, ssl: false, connectionTimeoutMillis: 60000 }); // generous: a loaded CI machine
  await c.connect();
  try {
    // Arrays, not objects: the columns' case is the cache's (DuckDB files may have upper-case names).
    // node-postgres gives bigint as a string.
    const q = (text, values) => c.query({ text, values, rowMode: 'array' });
    ok((await q('select * from cdmdefault.person where person_id = $1', [2])).rows, [['2', year]],
      `${database}: person by parameter`);
    await c.query('SET search_path TO cdmdefault');
    ok((await q('select year_of_birth, current_setting($2) from person where person_id = $1',
      [2, 'cachedb.user_id'])).rows, [[year, userId]], `${database}: unqualified person after SET search_path`);
  } finally {
    await c.end();
  }
}

async function main([port, userId, ...cases]) {
  for (const arg of cases) {
    const at = arg.lastIndexOf('=');
    await route(Number(port), userId, arg.slice(0, at), Number(arg.slice(at + 1)));
  }
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
