"""psycopg2 against `buenavista.jar cachedb`: the token as the password, person by a %s parameter (interpolated by
psycopg2 on the client, so the server sees a simple query). Command line: see cachedb_args.py.
"""
import psycopg2

from cachedb_args import CONNECT_TIMEOUT, USER, arguments
from checks import check


def main(port, token, user_id, cases):
    for database, year in cases:
        conn = psycopg2.connect(host="127.0.0.1", port=port, user=USER, password=token, dbname=database,
                                sslmode="disable", connect_timeout=CONNECT_TIMEOUT)
        with conn.cursor() as cur:
            cur.execute("select * from cdmdefault.person where person_id = %s", (2,))
            check(cur.fetchall(), [(2, year)], f"{database}: person by parameter")
            cur.execute("select current_setting('cachedb.user_id')")
            check(cur.fetchone(), (user_id,), f"{database}: cachedb.user_id")
        conn.close()


if __name__ == "__main__":
    main(*arguments())
