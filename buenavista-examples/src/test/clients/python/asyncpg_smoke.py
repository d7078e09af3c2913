"""asyncpg (binary protocol, own wire implementation) against a Buena Vista DuckDB server.

Usage: python3 asyncpg_smoke.py PORT [FIXTURE_PORT]
Prints one "ok: <step>" line per passed step; any failure raises, so the exit code is non-zero.
FIXTURE_PORT, when given, serves the cachedb fixture database read-only.
The SQL is portable so that the script can be checked against a real PostgreSQL too.
"""
import asyncio
import datetime
import decimal
import json
import sys
import uuid

import asyncpg
from checks import check


async def connect(port):
    return await asyncpg.connect(host="127.0.0.1", port=port, user="smoke", database="smoke", ssl=False, timeout=10)


async def main(port, fixture_port):
    conn = await connect(port)
    check(await conn.fetchval("select 1"), 1, "connect")

    row = await conn.fetchrow("select $1::integer + 1, $2::varchar, $3::integer is null", 41, "x'y", None)
    check(tuple(row), (42, "x'y", True), "parameters")

    # asyncpg asks for every result column in binary.
    row = await conn.fetchrow("select 7::smallint, 8::bigint, 2.5::float8, 1.50::numeric(4,2), true, 'z'::text,"
                              " date '2024-02-29', timestamp '2024-02-29 11:14:15.5', $1::bytea",
                              b"\x00\xff")
    check(tuple(row), (7, 8, 2.5, decimal.Decimal("1.50"), True, "z", datetime.date(2024, 2, 29),
                       datetime.datetime(2024, 2, 29, 11, 14, 15, 500000), b"\x00\xff"), "binary results")

    # asyncpg sends every parameter in binary: each type goes in and comes back unchanged.
    values = [
        ("boolean", True),
        ("smallint", -32768),
        ("integer", 2147483647),
        ("bigint", -9223372036854775808),
        ("real", 1.5),
        ("double precision", 1e100),
        ("numeric", decimal.Decimal("-12345678901234567890.123456789")),
        ("numeric", decimal.Decimal("1.50")),
        ("numeric(38,10)", decimal.Decimal("-1234567890123456789.0123456789")),
        ("numeric(10,6)", decimal.Decimal("0.000001")),
        ("text", "héllo 'q' \\ 😀"),
        ("bytea", b"\x00\x01\xff\\'"),
        ("date", datetime.date(2024, 2, 29)),
        ("date", datetime.date(1, 1, 1)),
        ("time", datetime.time(23, 59, 59, 999999)),
        ("timestamp", datetime.datetime(2024, 2, 29, 11, 14, 15, 500000)),
        ("timestamptz", datetime.datetime(2024, 2, 29, 11, 14, 15, 500000, tzinfo=datetime.timezone.utc)),
        ("interval", datetime.timedelta(days=-3, seconds=4 * 3600 + 5 * 60 + 6, microseconds=789000)),
        ("uuid", uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")),
        ("json", '{"a": [1, 2.5, "x"], "b": null}'),
        ("jsonb", '{"a": 1}'),  # no jsonb in DuckDB: read as json
        # Arrays other than text[] and oid[] make asyncpg look their element type up with a catalog query of its own.
        ("text[]", ["a", "b c", None, '"q"', ""]),
        ("integer[]", [1, None, -3]),
        ("bigint[]", [9223372036854775807]),
        ("double precision[]", [1.5, None]),
        ("boolean[]", [True, False]),
        ("date[]", [datetime.date(2024, 2, 29)]),
        ("numeric(10,2)[]", [decimal.Decimal("1.50")]),
        ("uuid[]", []),
    ]
    failures = []
    for pg_type, value in values:
        got = await conn.fetchval(f"select $1::{pg_type}", value)
        if pg_type == "jsonb":
            got = json.loads(got)
            value = json.loads(value)
        if got != value:
            failures.append(f"{pg_type}: sent {value!r}, got {got!r}")
    check(failures, [], "binary parameters of every type")

    await conn.execute("create temp table smoke_apg(id integer primary key, name varchar)")
    async with conn.transaction():
        await conn.executemany("insert into smoke_apg values ($1, $2)", [(1, "a"), (2, "b"), (3, "c")])
    row = await conn.fetchrow("select count(*), string_agg(name, ',' order by id) from smoke_apg")
    check(tuple(row), (3, "a,b,c"), "transaction")

    stmt = await conn.prepare("select name from smoke_apg where id = $1")
    check([await stmt.fetchval(n) for n in (1, 2, 3)], ["a", "b", "c"], "prepared statement executed 3 times")

    try:
        await conn.fetch("select * from no_such_table")
        raise AssertionError("no error for a missing table")
    except asyncpg.exceptions.UndefinedTableError as e:
        check(e.sqlstate, "42P01", "error")
    check(await conn.fetchval("select $1::integer * 2", 21), 42, "recovery after error")

    await conn.execute("set search_path to public")
    check(await conn.fetchval("select count(*) from smoke_apg"), 3, "set search_path")

    total = 0
    async with conn.transaction():
        async for record in conn.cursor("select i from generate_series(0, 999999) t(i)", prefetch=10000):
            total += record[0]
    check(total, 999999 * 1000000 // 2, "1 M rows through a portal, 10000 at a time")
    await conn.close()

    if fixture_port is not None:
        # The server attaches the fixture read-only as schema "testschema" (--attach); its columns are upper case.
        fixture = await connect(fixture_port)
        rows = await fixture.fetch("SELECT * FROM testschema.person WHERE person_id = $1", 1)
        check([(r["PERSON_ID"], r["YEAR_OF_BIRTH"], r["PERSON_SOURCE_VALUE"]) for r in rows],
              [(1, 1923, "00013D2EFD8E45D1")], "cachedb fixture")
        await fixture.close()

if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else None))
