"""psycopg2 (libpq, text protocol) through the `proxy` subcommand in front of a real PostgreSQL.

Usage: python3 psycopg2_proxy.py PORT
Prints one "ok: <step>" line per passed step; any failure raises, so the exit code is non-zero.
The proxy runs with a pool of 2 backend connections; the script never holds more than 2 at once.
"""
import io
import select
import sys

import psycopg2
import psycopg2.errors
import psycopg2.extras
from checks import check


def connect(port, application_name="psycopg2-proxy"):
    return psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="anything",
                            sslmode="disable", connect_timeout=10, application_name=application_name,
                            options="-c TimeZone=Asia/Tokyo -c search_path=pg_catalog,public")


def main(port):
    conn = connect(port)
    cur = conn.cursor()
    cur.execute("select current_database(), current_setting('application_name'), current_setting('TimeZone'),"
                " version() like 'PostgreSQL %%', current_setting('work_mem')")
    *row, default_work_mem = cur.fetchone()
    check([conn.server_version >= 150000] + row, [True, "test", "psycopg2-proxy", "Asia/Tokyo", True], "connect")
    conn.commit()

    # %s becomes a literal; the jsonb ? operator passes as it is.
    cur.execute("select %s::integer + 1, %s::text, %s::jsonb ? 'a', %s::int[]", (41, "x'y", '{"a": 1}', [1, 2]))
    check(cur.fetchone(), (42, "x'y", True, [1, 2]), "parameters")
    conn.commit()

    try:
        cur.execute("select no_such_column from pg_class")
        raise AssertionError("no error for a missing column")
    except psycopg2.errors.UndefinedColumn as e:
        check((e.pgcode, e.diag.severity, e.diag.statement_position, e.diag.source_file is not None),
              ("42703", "ERROR", "8", True), "error")
    conn.rollback()
    cur.execute("select 1")
    check(cur.fetchone(), (1,), "recovery after error")
    conn.commit()

    cur.execute("create temp table proxy_p2(id integer primary key, name text)")
    psycopg2.extras.execute_values(cur, "insert into proxy_p2 values %s", [(1, "a"), (2, "b")])
    conn.commit()
    cur.execute("insert into proxy_p2 values (3, 'c')")
    conn.rollback()
    cur.execute("select string_agg(name, ',' order by id) from proxy_p2")
    check(cur.fetchone(), ("a,b",), "transaction")
    conn.commit()

    cur.execute("do $$ begin raise notice 'relayed %', 42; end $$")
    check([n.strip() for n in conn.notices], ["NOTICE:  relayed 42"], "notice")
    conn.commit()

    cur.copy_expert("copy proxy_p2 from stdin", io.StringIO("4\td\n5\t\\N\n"))
    out = io.StringIO()
    cur.copy_expert("copy (select * from proxy_p2 order by id) to stdout with (format csv)", out)
    check(out.getvalue(), "1,a\n2,b\n4,d\n5,\n", "copy in and out")
    conn.commit()

    listener = connect(port, "psycopg2-listener")
    listener.autocommit = True
    listener.cursor().execute("listen proxy_channel")
    cur.execute("select pg_notify('proxy_channel', 'hello')")
    conn.commit()
    if select.select([listener], [], [], 10) == ([], [], []):
        raise AssertionError("no notification within 10 s")
    listener.poll()
    check([(n.channel, n.payload) for n in listener.notifies], [("proxy_channel", "hello")], "listen and notify")

    # Both backends carry session state (a setting, a temp table); the next client gets one of them, reset.
    pids = set()
    for c in (conn, listener):
        k = c.cursor()
        k.execute("set work_mem = '7MB'")
        k.execute("select pg_backend_pid()")
        pids.add(k.fetchone()[0])
        c.commit()
        c.close()
    nxt = connect(port, "psycopg2-next")
    k = nxt.cursor()
    k.execute("select pg_backend_pid(), current_setting('work_mem'), to_regclass('pg_temp.proxy_p2') is null")
    pid, work_mem, no_temp = k.fetchone()
    check((pid in pids, work_mem, no_temp), (True, default_work_mem, True), "a reused backend is reset")
    nxt.close()


if __name__ == "__main__":
    main(int(sys.argv[1]))
