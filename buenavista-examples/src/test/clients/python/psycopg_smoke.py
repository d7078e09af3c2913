"""psycopg 3 (libpq, extended protocol with server-side parameters) against a Buena Vista DuckDB server.

Usage: python3 psycopg_smoke.py PORT [FIXTURE_PORT]
Prints one "ok: <step>" line per passed step; any failure raises, so the exit code is non-zero.
FIXTURE_PORT, when given, serves the cachedb fixture database read-only.
"""
import datetime
import decimal
import sys

import psycopg
import psycopg.errors
from checks import check


def connect(port, **kwargs):
    return psycopg.connect(host="127.0.0.1", port=port, user="smoke", dbname="smoke",
                           sslmode="disable", connect_timeout=10, **kwargs)


def main(port, fixture_port):
    conn = connect(port)
    check(conn.info.status == psycopg.pq.ConnStatus.OK, True, "connect")

    row = conn.execute("select %s::integer + 1, %s::varchar, %s::integer is null", (41, "x'y", None)).fetchone()
    check(row, (42, "x'y", True), "parameters")

    row = conn.execute("select 1.5::decimal(4,2), date '2024-02-29', 'a'::varchar").fetchone()
    check(row, (decimal.Decimal("1.50"), datetime.date(2024, 2, 29), "a"), "typed results")

    # The error comes before anything is prepared (executemany and prepare=True prepare): psycopg's rollback()
    # would then send DEALLOCATE ALL, which the server does not accept yet (42601).
    try:
        conn.execute("select * from no_such_table")
        raise AssertionError("no error for a missing table")
    except psycopg.errors.UndefinedTable as e:
        check(e.sqlstate, "42P01", "error")
    conn.rollback()
    check(conn.execute("select %s::integer * 2", (21,)).fetchone(), (42,), "recovery after error")
    conn.commit()

    conn.execute("create temp table smoke_p3(id integer primary key, name varchar)")
    with conn.cursor() as cur:
        cur.executemany("insert into smoke_p3 values (%s, %s)", [(1, "a"), (2, "b"), (3, "c")])
    conn.commit()
    row = conn.execute("select count(*), string_agg(name, ',' order by id) from smoke_p3").fetchone()
    check(row, (3, "a,b,c"), "transaction")
    conn.commit()

    # prepare=True makes psycopg Parse a named statement once and Bind/Execute it each time.
    results = [conn.execute("select name from smoke_p3 where id = %s", (n,), prepare=True).fetchone()[0]
               for n in (1, 2, 3)]
    check(results, ["a", "b", "c"], "prepared statement executed 3 times")
    conn.commit()

    conn.execute("set search_path to public")
    check(conn.execute("select count(*) from smoke_p3").fetchone(), (3,), "set search_path")
    conn.commit()

    # psycopg sends str and None untyped: the statement keeps its own columns, and a parameter nothing types
    # (None IS NULL) is refused as PostgreSQL refuses it (42P18), never answered with another shape.
    cur = conn.execute("select id, name from smoke_p3 where name = %s or %s::text is null order by id", ("b", None))
    shape = ([d.name for d in cur.description], cur.fetchall())
    cur = conn.execute("select %s as a, 5 as b", ("x",))
    check((shape, [d.name for d in cur.description], cur.fetchall()),
          ((["id", "name"], [(1, "a"), (2, "b"), (3, "c")]), ["a", "b"], [("x", 5)]), "untyped parameters")
    try:
        conn.execute("select id, name from smoke_p3 where name = %s or %s is null", ("a", None))
        raise AssertionError("no error for an untyped parameter in IS NULL")
    except psycopg.errors.IndeterminateDatatype as e:
        check(e.sqlstate, "42P18", "untyped parameter refused as PostgreSQL does")
    conn.rollback()

    with conn.cursor(binary=True) as cur:
        cur.execute("select 7::integer, 'z'::varchar, 2.5::double")
        check(cur.fetchone(), (7, "z", 2.5), "binary results")
    conn.commit()

    with conn.cursor() as cur:
        cur.execute("select i from range(1000000) t(i)")
        total = sum(row[0] for row in cur)
    check(total, 999999 * 1000000 // 2, "1 M rows")
    conn.close()

    if fixture_port is not None:
        # The server attaches the fixture read-only as schema "testschema" (--attach); its columns are upper case.
        with connect(fixture_port) as fixture:
            cur = fixture.execute("SELECT * FROM testschema.person WHERE person_id = 1")
            rows = [dict(zip([d.name.lower() for d in cur.description], r)) for r in cur.fetchall()]
            check([(r["person_id"], r["year_of_birth"], r["person_source_value"]) for r in rows],
                  [(1, 1923, "00013D2EFD8E45D1")], "cachedb fixture")

if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else None)
