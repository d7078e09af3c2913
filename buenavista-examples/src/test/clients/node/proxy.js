// node-postgres (pure JavaScript, extended protocol) through the `proxy` subcommand in front of a real PostgreSQL.
//
// Usage: node proxy.js PORT
// Prints one "ok: <step>" line per passed step; any failure exits non-zero.
// The proxy runs with a pool of 2 backend connections; the script never holds more than 2 at once.
'use strict';

const assert = require('node:assert/strict');
const { Client } = require('pg');

function client(port, applicationName) {
  return new Client({ host: '127.0.0.1', port, user: 'postgres', database: 'anything', ssl: false,
    connectionTimeoutMillis: 10000, application_name: applicationName,
    options: '-c TimeZone=Europe/Lisbon -c statement_timeout=20s' });
}

function ok(actual, expected, what) {
  assert.deepStrictEqual(actual, expected, what);
  console.log(`ok: ${what}`);
}

async function main(port) {
  const c = client(port, 'node-proxy');
  await c.connect();
  const first = (await c.query("select current_database() as db, current_setting('application_name') as app,"
    + " current_setting('TimeZone') as tz, current_setting('statement_timeout') as st,"
    + " version() like 'PostgreSQL %' as pg, current_setting('work_mem') as wm")).rows[0];
  const defaultWorkMem = first.wm;
  delete first.wm;
  ok(first, { db: 'test', app: 'node-proxy', tz: 'Europe/Lisbon', st: '20s', pg: true }, 'connect');

  // Untyped parameters typed by PostgreSQL itself; the jsonb ? operator passes as it is.
  const p = await c.query("select $1::integer + 1 as n, $2::text as s, $3::jsonb ? 'a' as has, $4 = 'z' as z",
    [41, "x'y", '{"a": 1}', 'z']);
  ok(p.rows, [{ n: 42, s: "x'y", has: true, z: true }], 'parameters');

  await assert.rejects(c.query('select no_such_column from pg_class'),
    (e) => e.code === '42703' && e.severity === 'ERROR' && e.position === '8' && e.file !== undefined);
  ok(true, true, 'error');
  ok((await c.query('select $1::integer * 2 as n', [21])).rows, [{ n: 42 }], 'recovery after error');

  await c.query('create temp table proxy_node(id integer primary key, name text)');
  await c.query('begin');
  await c.query('insert into proxy_node values ($1, $2), ($3, $4)', [1, 'a', 2, 'b']);
  await c.query('commit');
  await c.query('begin');
  await c.query("insert into proxy_node values (3, 'c')");
  await assert.rejects(c.query("insert into proxy_node values (1, 'duplicate')"), (e) => e.code === '23505');
  await assert.rejects(c.query('select 1'), (e) => e.code === '25P02');
  await c.query('rollback');
  ok((await c.query("select string_agg(name, ',' order by id) as s from proxy_node")).rows, [{ s: 'a,b' }],
    'transaction');

  const names = [];
  for (const id of [1, 2, 1]) {
    const r = await c.query({ name: 'proxy-by-id', text: 'select name from proxy_node where id = $1', values: [id] });
    names.push(r.rows[0].name);
  }
  ok(names, ['a', 'b', 'a'], 'prepared statement executed 3 times');

  const notices = [];
  c.on('notice', (n) => notices.push([n.severity, n.message]));
  await c.query("do $$ begin raise notice 'relayed %', 42; end $$");
  ok(notices, [['NOTICE', 'relayed 42']], 'notice');

  const listener = client(port, 'node-listener');
  await listener.connect();
  const received = new Promise((resolve) => listener.on('notification', (n) => resolve([n.channel, n.payload])));
  await listener.query('listen proxy_channel');
  await c.query("select pg_notify('proxy_channel', 'hello')");
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('no notification in 10 s')), 10000)
    .unref());
  ok(await Promise.race([received, timeout]), ['proxy_channel', 'hello'], 'listen and notify');

  const pids = [];
  for (const k of [c, listener]) {
    await k.query("set work_mem = '7MB'");
    pids.push((await k.query('select pg_backend_pid() as pid')).rows[0].pid);
    await k.end();
  }
  const next = client(port, 'node-next');
  await next.connect();
  const r = (await next.query("select pg_backend_pid() as pid, current_setting('work_mem') as wm,"
    + " to_regclass('pg_temp.proxy_node') is null as gone")).rows[0];
  ok([pids.includes(r.pid), r.wm, r.gone], [true, defaultWorkMem, true], 'a reused backend is reset');
  await next.end();
}

main(Number(process.argv[2])).catch((e) => {
  console.error(e);
  process.exit(1);
});
