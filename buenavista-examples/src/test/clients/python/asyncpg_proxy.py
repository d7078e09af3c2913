"""asyncpg (binary protocol, named prepared statements, type introspection) through the `proxy` subcommand in
front of a real PostgreSQL.

Usage: python3 asyncpg_proxy.py PORT
Prints one "ok: <step>" line per passed step; any failure raises, so the exit code is non-zero.
The proxy runs with a pool of 2 backend connections; the script never holds more than 2 at once.
"""
import asyncio
import sys

import asyncpg
from checks import check


async def connect(port, application_name="asyncpg-proxy"):
    return await asyncpg.connect(host="127.0.0.1", port=port, user="postgres", database="anything", ssl=False,
                                 timeout=10, server_settings={"application_name": application_name,
                                                              "TimeZone": "America/Lima"})


async def main(port):
    conn = await connect(port)
    row = await conn.fetchrow("select current_database(), current_setting('application_name'),"
                              " current_setting('TimeZone'), version() like 'PostgreSQL %', current_setting('work_mem')")
    default_work_mem = row[4]
    check((conn.get_server_version().major >= 15,) + tuple(row)[:4], (True, "test", "asyncpg-proxy", "America/Lima", True),
          "connect")

    # Binary parameters and results; a composite and a jsonb make asyncpg introspect pg_type through the proxy.
    row = await conn.fetchrow("select $1::int8 * 2, $2::text, $3::jsonb ? 'a', $4::numeric(6,2), row(1, 'x'::text)",
                              21, "x'y", '{"a": 1}', 12.5)
    check((row[0], row[1], row[2], str(row[3]), tuple(row[4])), (42, "x'y", True, "12.50", (1, "x")), "parameters")

    try:
        await conn.fetchval("select no_such_column from pg_class")
        raise AssertionError("no error for a missing column")
    except asyncpg.exceptions.UndefinedColumnError as e:
        check((e.sqlstate, e.severity, e.position), ("42703", "ERROR", "8"), "error")
    check(await conn.fetchval("select $1::int + 1", 1), 2, "recovery after error")

    await conn.execute("create temp table proxy_apg(id int primary key, name text)")
    async with conn.transaction():
        await conn.executemany("insert into proxy_apg values ($1, $2)", [(1, "a"), (2, "b")])
    try:
        async with conn.transaction():
            await conn.execute("insert into proxy_apg values (3, 'c')")
            await conn.execute("insert into proxy_apg values (1, 'duplicate')")
    except asyncpg.exceptions.UniqueViolationError:
        pass
    check(await conn.fetchval("select string_agg(name, ',' order by id) from proxy_apg"), "a,b", "transaction")

    # A named prepared statement, executed many times on the same backend.
    stmt = await conn.prepare("select name from proxy_apg where id = $1")
    check([await stmt.fetchval(i) for i in (1, 2, 1)], ["a", "b", "a"], "prepared statement executed 3 times")

    notices = []
    conn.add_log_listener(lambda c, m: notices.append((m.severity, m.message)))
    await conn.execute("do $$ begin raise notice 'relayed %', 42; end $$")
    await asyncio.sleep(0)
    check(notices, [("NOTICE", "relayed 42")], "notice")

    await conn.copy_records_to_table("proxy_apg", records=[(4, "d"), (5, None)])
    rows = await conn.fetch("select * from proxy_apg order by id")
    check([tuple(r) for r in rows], [(1, "a"), (2, "b"), (4, "d"), (5, None)], "copy in and out")

    listener = await connect(port, "asyncpg-listener")
    received = asyncio.get_running_loop().create_future()
    await listener.add_listener("proxy_channel", lambda c, pid, channel, payload: received.set_result(payload))
    await conn.execute("select pg_notify('proxy_channel', 'hello')")
    check(await asyncio.wait_for(received, 10), "hello", "listen and notify")

    # A statement cancelled by its client: the CancelRequest reaches this session's backend only.
    try:
        await conn.execute("select pg_sleep(30)", timeout=0.5)
        raise AssertionError("not cancelled")
    except asyncio.TimeoutError:
        pass
    check(await conn.fetchval("select 3"), 3, "cancel")

    pids = set()
    for c in (conn, listener):
        await c.execute("set work_mem = '7MB'")
        pids.add(await c.fetchval("select pg_backend_pid()"))
        await c.close()
    nxt = await connect(port, "asyncpg-next")
    row = await nxt.fetchrow("select pg_backend_pid(), current_setting('work_mem'),"
                             " to_regclass('pg_temp.proxy_apg') is null")
    check((row[0] in pids, row[1], row[2]), (True, default_work_mem, True), "a reused backend is reset")
    await nxt.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
