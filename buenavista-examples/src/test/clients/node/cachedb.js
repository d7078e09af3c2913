// node-postgres against `buenavista.jar cachedb`, as the platform's services use it: the token as the password,
// `SET search_path` on connect, then unqualified tables with $n parameters.
//
// Usage: CACHEDB_TOKEN=<jwt> node cachedb.js PORT DATABASE USER_ID
// Prints one "ok: <step>" line per passed step; any failure exits non-zero.
'use strict';

const assert = require('node:assert/strict');
const { Client } = require('pg');

function ok(actual, expected, what) {
  assert.deepStrictEqual(actual, expected, what);
  console.log(`ok: ${what}`);
}

async function main(port, database, userId) {
  const c = new Client({ host: '127.0.0.1', port, user: 'platform-service', password: process.env.CACHEDB_TOKEN,
    database, ssl: false, connectionTimeoutMillis: 10000 });
  await c.connect();
  await c.query('SET search_path TO cdmdefault');
  const r = await c.query('select year_of_birth, current_setting($2) as who from person where person_id = $1',
    [2, 'cachedb.user_id']);
  ok(r.rows, [{ year_of_birth: 1985, who: userId }], 'unqualified person after SET search_path');
  await c.end();
}

main(Number(process.argv[2]), process.argv[3], process.argv[4]).catch((e) => {
  console.error(e);
  process.exit(1);
});
