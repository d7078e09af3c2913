"""The command line the cachedb client scripts share.

Usage of each: CACHEDB_TOKEN=<jwt> python3 SCRIPT PORT USER_ID DATABASE=YEAR [DATABASE=YEAR ...]
For each DATABASE (a cachedb route such as A|duckdb|<dataset id> or B|postgresql|code|schema) the script logs in
with the token as the password, reads person 2 of cdmdefault.person by parameter in its own parameter style,
expecting the row (2, YEAR), and current_setting('cachedb.user_id'), expecting USER_ID.
Prints one "ok: <step>" line per passed step; any failure raises, so the exit code is non-zero.
"""
import os
import sys

# Any user name that is not token-shaped: the token is the password.
USER = "platform-service"
# Seconds to connect and log in: a guard against a hang, generous for a loaded CI machine (the first login of a
# fresh server also loads DuckDB's native library and fetches the issuer's keys).
CONNECT_TIMEOUT = 60


def arguments():
    """(port, token, user_id, [(database, year), ...]) from the command line and CACHEDB_TOKEN."""
    cases = []
    for arg in sys.argv[3:]:
        database, year = arg.rsplit("=", 1)
        cases.append((database, int(year)))
    return int(sys.argv[1]), os.environ["CACHEDB_TOKEN"], sys.argv[2], cases
