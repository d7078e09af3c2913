"""psycopg 3 (server-side binding, pipeline mode, binary results, server-side cursors) through the `proxy`
subcommand in front of a real PostgreSQL.

Usage: python3 psycopg_proxy.py PORT
Prints one "ok: <step>" line per passed step; any failure raises, so the exit code is non-zero.
The proxy runs with a pool of 2 backend connections; the script never holds more than 2 at once.
"""
import sys

import psycopg
import psycopg.errors
from checks import check


def connect(port, application_name="psycopg-proxy", **kwargs):
    return psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="anything", sslmode="disable",
                           connect_timeout=10, application_name=application_name,
                           options="-c TimeZone=Europe/Zurich", **kwargs)


def main(port):
    conn = connect(port)
    row = conn.execute("select current_database(), current_setting('application_name'),"
                       " current_setting('TimeZone'), version() like 'PostgreSQL %%', current_setting('work_mem')"
                       ).fetchone()
    *row, default_work_mem = row
    check([conn.info.server_version >= 150000] + row, [True, "test", "psycopg-proxy", "Europe/Zurich", True],
          "connect")
    conn.commit()

    # Server-side binding: $n parameters in a Parse, typed by the backend; the jsonb ? operator passes as it is.
    row = conn.execute("select %s::integer + 1, %s::text, %s::jsonb ? 'a', %s::int[], %s",
                       (41, "x'y", '{"a": 1}', [1, 2], None)).fetchone()
    check(row, (42, "x'y", True, [1, 2], None), "parameters")
    conn.commit()

    try:
        conn.execute("select no_such_column from pg_class")
        raise AssertionError("no error for a missing column")
    except psycopg.errors.UndefinedColumn as e:
        check((e.sqlstate, e.diag.severity, e.diag.statement_position, e.diag.source_file is not None),
              ("42703", "ERROR", "8", True), "error")
    conn.rollback()
    check(conn.execute("select 1").fetchone(), (1,), "recovery after error")
    conn.commit()

    conn.execute("create temp table proxy_p3(id integer primary key, name text)")
    conn.commit()
    conn.execute("insert into proxy_p3 values (100, 'rolled back')")
    conn.rollback()
    check(conn.execute("select count(*) from proxy_p3").fetchone(), (0,), "transaction")
    conn.commit()

    # Pipeline mode: many Parse/Bind/Execute before one Sync, results read afterwards.
    with conn.pipeline():
        cur = conn.cursor()
        cur.executemany("insert into proxy_p3 values (%s, %s)", [(i, f"n{i}") for i in range(1, 501)])
        first = conn.execute("select count(*), sum(id) from proxy_p3")
        second = conn.execute("select name from proxy_p3 where id = %s", (250,))
    check((first.fetchone(), second.fetchone()), ((500, 125250), ("n250",)), "pipeline")
    conn.commit()

    # prepare=True: a named statement reused on the same backend.
    for i in (7, 8, 9):
        got = conn.execute("select name from proxy_p3 where id = %s", (i,), prepare=True).fetchone()
    check(got, ("n9",), "prepared statement executed 3 times")
    conn.commit()

    # Binary results.
    with conn.cursor(binary=True) as bc:
        bc.execute("select 2::int8 ^ 40, 'ü'::text, '2024-02-29'::date, 1.5::numeric")
        check(tuple(str(v) for v in bc.fetchone()), ("1099511627776.0", "ü", "2024-02-29", "1.5"),
              "binary results")
    conn.commit()

    # A server-side cursor read in batches while other statements run in the same transaction.
    with conn.transaction():
        with conn.cursor(name="proxy_cursor") as sc:
            sc.itersize = 100
            sc.execute("select id from proxy_p3 order by id")
            ids = [r[0] for r in sc.fetchmany(150)]
            between = conn.execute("select count(*) from proxy_p3 where id > 400").fetchone()
            ids += [r[0] for r in sc]
    check((between, ids == list(range(1, 501))), ((100,), True), "server-side cursor beside another statement")

    with conn.cursor() as cur:
        with cur.copy("copy proxy_p3 from stdin") as copy:
            copy.write_row((1001, "copied"))
            copy.write_row((1002, None))
        with cur.copy("copy (select * from proxy_p3 where id > 1000 order by id) to stdout") as copy:
            rows = list(copy.rows())
    check(rows, [("1001", "copied"), ("1002", None)], "copy in and out")
    conn.commit()

    notices = []
    conn.add_notice_handler(lambda d: notices.append((d.severity, d.message_primary)))
    conn.execute("do $$ begin raise notice 'relayed %', 42; end $$")
    check(notices, [("NOTICE", "relayed 42")], "notice")
    conn.commit()

    listener = connect(port, "psycopg-listener", autocommit=True)
    listener.execute("listen proxy_channel3")
    conn.execute("select pg_notify('proxy_channel3', 'hello')")
    conn.commit()
    got = []
    for n in listener.notifies():
        got.append((n.channel, n.payload))
        break
    check(got, [("proxy_channel3", "hello")], "listen and notify")

    # Both backends carry session state (a setting, a temp table, a prepared statement); the next client gets one
    # of them, reset.
    pids = set()
    for c in (conn, listener):
        c.execute("set work_mem = '7MB'")
        pids.add(c.execute("select pg_backend_pid()").fetchone()[0])
        if not c.autocommit:
            c.commit()
        c.close()
    nxt = connect(port, "psycopg-next")
    pid, work_mem, no_temp, statements = nxt.execute(
        "select pg_backend_pid(), current_setting('work_mem'), to_regclass('pg_temp.proxy_p3') is null,"
        " (select count(*) from pg_prepared_statements)").fetchone()
    check((pid in pids, work_mem, no_temp, statements), (True, default_work_mem, True, 0),
          "a reused backend is reset")
    nxt.close()


if __name__ == "__main__":
    main(int(sys.argv[1]))
