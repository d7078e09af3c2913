"""asyncpg (its own wire implementation, binary results) against `buenavista.jar cachedb`: the token as the
password, person by a $1 parameter. Command line: see cachedb_args.py.
"""
import asyncio

import asyncpg

from cachedb_args import CONNECT_TIMEOUT, USER, arguments
from checks import check


async def main(port, token, user_id, cases):
    for database, year in cases:
        conn = await asyncpg.connect(host="127.0.0.1", port=port, user=USER, password=token, database=database,
                                     ssl=False, timeout=CONNECT_TIMEOUT)
        try:
            rows = await conn.fetch("select * from cdmdefault.person where person_id = $1", 2)
            check([tuple(r) for r in rows], [(2, year)], f"{database}: person by parameter")
            check(await conn.fetchval("select current_setting('cachedb.user_id')"), user_id,
                  f"{database}: cachedb.user_id")
        finally:
            await conn.close()


if __name__ == "__main__":
    asyncio.run(main(*arguments()))
