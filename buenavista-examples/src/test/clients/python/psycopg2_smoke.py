"""psycopg2 (libpq, text protocol) against a Buena Vista DuckDB server.

Usage: python3 psycopg2_smoke.py PORT [FIXTURE_PORT]
Prints one "ok: <step>" line per passed step; any failure raises, so the exit code is non-zero.
FIXTURE_PORT, when given, serves the cachedb fixture database read-only.
"""
import sys
import time

import psycopg2
import psycopg2.errors
from checks import check


def connect(port):
    return psycopg2.connect(host="127.0.0.1", port=port, user="smoke", dbname="smoke",
                            sslmode="disable", connect_timeout=10)


def main(port, fixture_port):
    conn = connect(port)
    check(conn.status == psycopg2.extensions.STATUS_READY, True, "connect")
    cur = conn.cursor()

    cur.execute("select %s::integer + 1, %s::varchar, %s::integer is null", (41, "x'y", None))
    check(cur.fetchone(), (42, "x'y", True), "parameters")

    cur.execute("create temp table smoke_p2(id integer primary key, name varchar)")
    cur.executemany("insert into smoke_p2 values (%s, %s)", [(1, "a"), (2, "b"), (3, "c")])
    conn.commit()
    cur.execute("select count(*), string_agg(name, ',' order by id) from smoke_p2")
    check(cur.fetchone(), (3, "a,b,c"), "transaction")
    conn.commit()

    # psycopg2 has no protocol-level prepare; SQL PREPARE/EXECUTE is what its users write.
    cur.execute("prepare smoke_double as select $1::integer * 2")
    results = []
    for n in (1, 2, 3):
        cur.execute("execute smoke_double(%s)", (n,))
        results.append(cur.fetchone()[0])
    check(results, [2, 4, 6], "prepared statement executed 3 times")
    conn.commit()

    try:
        cur.execute("select * from no_such_table")
        raise AssertionError("no error for a missing table")
    except psycopg2.errors.UndefinedTable as e:
        check(e.pgcode, "42P01", "error")
    conn.rollback()
    cur.execute("select name from smoke_p2 where id = %s", (2,))
    check(cur.fetchone(), ("b",), "recovery after error")
    conn.commit()

    cur.execute("set search_path to public")
    cur.execute("select count(*) from smoke_p2")
    check(cur.fetchone(), (3,), "set search_path")
    conn.commit()

    # A plain (client-side) cursor over 1 M rows.
    cur.execute("select i from range(1000000) t(i)")
    total = sum(row[0] for row in cur)
    check(total, 999999 * 1000000 // 2, "1 M rows")
    conn.commit()

    # A named (server-side) cursor: DECLARE "c" CURSOR WITHOUT HOLD FOR …, then FETCH FORWARD 10000 at a time.
    named = conn.cursor(name="c")
    named.itersize = 10000
    started = time.monotonic()
    named.execute("select i, 'row ' || i from range(1000000) t(i)")
    total = 0
    count = 0
    for row in named:
        total += row[0]
        count += 1
    elapsed = time.monotonic() - started
    named.close()
    conn.commit()
    check((count, total), (1000000, 999999 * 1000000 // 2), "named cursor over 1 M rows")
    print(f"ok: named cursor 1 M rows in {elapsed:.2f} s", flush=True)
    conn.close()

    if fixture_port is not None:
        # The server attaches the fixture read-only as schema "testschema" (--attach); its columns are upper case.
        fixture = connect(fixture_port)
        fcur = fixture.cursor()
        fcur.execute("SELECT * FROM testschema.person WHERE person_id = 1")
        rows = [dict(zip([d.name.lower() for d in fcur.description], r)) for r in fcur.fetchall()]
        check([(r["person_id"], r["year_of_birth"], r["person_source_value"]) for r in rows],
              [(1, 1923, "00013D2EFD8E45D1")], "cachedb fixture")
        fixture.close()

if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else None)
