"""psycopg2 against `buenavista.jar cachedb`: the token as the password, a schema-qualified query with a parameter.

Usage: CACHEDB_TOKEN=<jwt> python3 psycopg2_cachedb.py PORT DATABASE USER_ID
Prints one "ok: <step>" line per passed step; any failure exits non-zero.
"""
import os
import sys

import psycopg2


def main(port, database, user_id):
    conn = psycopg2.connect(host="127.0.0.1", port=port, user="platform-service",
                            password=os.environ["CACHEDB_TOKEN"], dbname=database, sslmode="disable",
                            connect_timeout=10)
    with conn.cursor() as cur:
        cur.execute("select year_of_birth, current_setting('cachedb.user_id') from cdmdefault.person"
                    " where person_id = %s", (2,))
        assert cur.fetchall() == [(1985, user_id)]
        print("ok: schema-qualified person by parameter")
    conn.close()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], sys.argv[3])
